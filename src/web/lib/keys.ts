// Keyboard behaviour both pages share: Escape closes whatever menu is open (a <details> menu such
// as a chart's download menu) and gives focus back to what opened it. Modal <dialog>s close on
// Escape by themselves (their `cancel` event), so they need nothing here.
export function installEscapeCloses(doc: Document = document): void {
  doc.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    const open = doc.querySelectorAll<HTMLDetailsElement>('details[open]:is(.download, [data-menu])');
    if (open.length === 0) return;
    for (const d of open) {
      d.open = false;
      if (d.contains(doc.activeElement)) d.querySelector<HTMLElement>('summary')?.focus();
    }
    ev.preventDefault();
  });
}
