// Supplier directory: the Invite dialog and "select all on the page".
// htmx loads the invite form into the <dialog>; this opens it, moves focus into it, and gives
// focus back to the Invite button when it closes (Esc closes it natively).
(() => {
  let opener = null;

  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("[data-opens-dialog]");
    if (trigger) opener = trigger;
    const close = event.target.closest("[data-close-dialog]");
    if (close) close.closest("dialog").close();
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const dialog = event.detail.target.closest("dialog");
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    const focus = dialog.querySelector("[data-focus]") || dialog.querySelector("input, button");
    if (focus) focus.focus();
  });

  // "close" does not bubble: listen in the capture phase.
  document.addEventListener("close", (event) => {
    if (!(event.target instanceof HTMLDialogElement)) return;
    const body = event.target.querySelector("#invite-dialog-body");
    if (body) body.replaceChildren();
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }, true);

  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (!all || !all.form) return;
    for (const box of all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)) {
      box.checked = all.checked;
    }
  });
})();
