// Changing the language select submits the form at once; the button stays for keyboard and no-JS users.
export function enhanceLanguageSwitcher(root) {
  for (const form of root.querySelectorAll("form.language-switcher")) {
    const select = form.querySelector("select");
    select?.addEventListener("change", () => form.requestSubmit());
  }
}
