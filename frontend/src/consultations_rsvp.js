// RSVP form: when the invitee answers "no", the questions for panel members are hidden (they are ignored by
// the server anyway); without JavaScript everything stays visible and works.
function enhanceRsvpForm(form) {
  const extra = form.querySelector("[data-when-attending]");
  if (!extra) return;
  const update = () => {
    const choice = form.querySelector('input[name="attending"]:checked');
    extra.hidden = choice !== null && choice.value === "no";
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "attending") update();
  });
  update();
}

const summary = document.getElementById("error-summary");
if (summary) summary.focus();
document.querySelectorAll("[data-rsvp-form]").forEach(enhanceRsvpForm);
