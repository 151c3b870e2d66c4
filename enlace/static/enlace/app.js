// Small behaviours that need no build step. Inline scripts are blocked by our CSP, so they live here.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// On a phone, table rows become cards and the header row is hidden: label each cell with its
// column's heading instead (see table.responsive in app.css).
function labelResponsiveCells(root) {
  root.querySelectorAll("table.responsive").forEach((table) => {
    // A heading holding a control (select all) is no label for the cells below it: each row's
    // checkbox has its own ("Select <name>").
    const headings = [...table.querySelectorAll("thead th")].map((th) =>
      th.querySelector("input") ? "" : th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, index) => {
        if (headings[index] && !cell.dataset.label) cell.dataset.label = headings[index];
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelResponsiveCells(document));
document.addEventListener("htmx:afterSwap", (event) => labelResponsiveCells(event.target));
