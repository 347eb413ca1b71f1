// The form that adds a device of any installed type: the fields come from /api/types.
import { api } from './api.js';
import { $, clear, el } from './dom.js';
import { state } from './state.js';
import { showRefusal, showResult } from './message.js';

const COMMON = ['id', 'type', 'socket', 'mode'];

/** A field of /api/types may be a name or {name, ...}. */
const fieldName = (f) => (typeof f === 'string' ? f : f.name);

/** What the user typed, as JSON: true/false, integers, [..]/{..} as JSON, the rest as text; empty means absent. */
export function parseValue(text) {
  const t = text.trim();
  if (t === '') return undefined;
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^-?\d+$/.test(t)) return Number(t);
  if (t.startsWith('[') || t.startsWith('{')) return JSON.parse(t);
  return t;
}

export function renderAddForm(types, onAdded) {
  const form = clear($('#add-form'));
  if (!types.length) {
    form.append(el('p', {}, 'no device types'));
    return;
  }
  const typeSelect = el('select', { name: 'type', id: 'field-type' }, types.map((t) => el('option', { value: t.type }, t.type)));
  const nodeSelect = el('select', { name: 'node', id: 'field-node' },
    state.nodes.map((n) => el('option', { value: n.node, selected: n.node === state.self }, n.node)));
  const modeSelect = el('select', { name: 'mode', id: 'field-mode' },
    el('option', { value: 'server' }, 'server: we listen'), el('option', { value: 'client' }, 'client: we connect'));
  const fieldsBox = el('div', { class: 'contents' });
  const row = (label, input) => [el('label', { for: input.id }, label), input];

  const renderFields = () => {
    clear(fieldsBox);
    const type = types.find((t) => t.type === typeSelect.value);
    for (const f of (type?.fields ?? []).filter((x) => !COMMON.includes(fieldName(x)))) {
      const name = fieldName(f);
      fieldsBox.append(...row(name, el('input', { id: `field-${name}`, name, placeholder: f.description ?? '' })));
    }
  };
  typeSelect.addEventListener('change', renderFields);

  form.append(
    ...row('node', nodeSelect),
    ...row('type', typeSelect),
    ...row('id', el('input', { id: 'field-id', name: 'id', required: true, placeholder: 'disk1' })),
    ...row('socket', el('input', { id: 'field-socket', name: 'socket', required: true, placeholder: '/run/vhost/disk1.sock' })),
    ...row('mode', modeSelect),
    fieldsBox,
    el('span', { class: 'hint' }, 'Values: true/false, numbers, sizes like 1G, JSON for lists and objects; empty fields take their default.'),
    el('button', { type: 'submit', id: 'add-submit', disabled: state.readOnly }, 'Add device'));
  renderFields();

  form.onsubmit = async (event) => {
    event.preventDefault();
    const device = { type: typeSelect.value, node: nodeSelect.value, mode: modeSelect.value };
    try {
      for (const input of form.querySelectorAll('input')) {
        const value = parseValue(input.value);
        if (value !== undefined) device[input.name] = value;
      }
    } catch (e) {
      showRefusal('adding the device', { status: 0, message: `a field is not valid JSON: ${e.message}` });
      return;
    }
    try {
      const added = await api('POST', '/api/devices', device);
      showResult(`added ${device.type} device ${added.id} on node ${added.node}`);
      onAdded?.();
    } catch (e) {
      showRefusal(`adding ${device.type} device ${device.id ?? ''}`, e);
    }
  };
}
