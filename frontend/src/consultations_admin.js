// Admin progress bars (roster import, panel selection): poll the job's JSON status and update the <progress>
// element; reload the page when the job has finished. Without JavaScript a <meta refresh> does the same.
function poll(element) {
  const url = element.dataset.progressUrl;
  const bar = element.querySelector("progress");
  const text = element.querySelector("[data-progress-text]");
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        if (bar) {
          bar.max = 100;
          bar.value = data.percent;
        }
        if (text) text.textContent = data.message;
        if (data.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped request is retried on the next tick.
    }
    window.setTimeout(tick, 1000);
  };
  window.setTimeout(tick, 500);
}

document.querySelectorAll("[data-progress-url]").forEach(poll);
