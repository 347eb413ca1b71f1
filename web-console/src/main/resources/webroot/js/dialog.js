// The confirmation dialog: a question, optionally some fields, Confirm or Cancel.
import { $, el, clear } from './dom.js';

/**
 * Asks text; fields are [{name, label, value, placeholder, type}]. Resolves to the entered values
 * ({} without fields), or null when cancelled.
 */
export function confirmAction(text, fields = []) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  const box = clear($('#confirm-fields'));
  for (const f of fields) {
    const input = f.type === 'checkbox'
      ? el('input', { type: 'checkbox', name: f.name, checked: f.value === true })
      : el('input', { type: 'text', name: f.name, value: f.value ?? '', placeholder: f.placeholder ?? '' });
    box.append(el('label', {}, f.label ?? f.name, input));
  }
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') {
        resolve(null);
        return;
      }
      const values = {};
      for (const input of box.querySelectorAll('input')) {
        if (input.type === 'checkbox') values[input.name] = input.checked;
        else if (input.value.trim() !== '') values[input.name] = input.value.trim();
      }
      resolve(values);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}
