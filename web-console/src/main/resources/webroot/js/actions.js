// The operator actions a device offers, each asked for confirmation and sent to the API; the result
// or the refusal is shown in the banner.
import { api, devicePath } from './api.js';
import { confirmAction } from './dialog.js';
import { showRefusal, showResult } from './message.js';

const integer = (v) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? v : Number(v));

/** The buttons for a device: [{label, action, fields, args, danger}]; 'remove' deletes the device. */
export function actionsFor(device) {
  const list = [{ label: 'Disconnect', action: 'disconnect' }];
  if (device.type === 'net') {
    list.push({ label: 'Link up', action: 'link-up' }, { label: 'Link down', action: 'link-down' }, {
      label: 'Capture',
      action: 'capture',
      fields: [{ name: 'seconds', placeholder: 'seconds (default 10)' }, { name: 'frames', placeholder: 'frames (optional)' },
        { name: 'mac', placeholder: 'only this MAC (optional)' }, { name: 'etherType', placeholder: 'only this EtherType, e.g. 0x0806' }],
    }, { label: 'Stop capture', action: 'capture-stop' });
  }
  if (device.type === 'blk') {
    list.push({ label: 'Resize', action: 'resize', fields: [{ name: 'size', placeholder: 'e.g. 2G' }] });
  }
  if (device.type === 'scsi') {
    list.push({
      label: 'Add LUN',
      action: 'lun-add',
      fields: [{ name: 'size', placeholder: 'e.g. 1G' }, { name: 'ram', type: 'checkbox', value: true },
        { name: 'image', placeholder: 'image file (unless ram)' }, { name: 'lun', placeholder: 'number (optional)' }],
    });
  }
  list.push({ label: 'Remove device', action: 'remove', danger: true });
  return list;
}

/** Per-LUN actions of a scsi device. */
export function lunActions(lun) {
  return [
    { label: 'Resize', action: 'lun-resize', args: { lun }, fields: [{ name: 'size', placeholder: 'e.g. 2G' }] },
    { label: 'Remove', action: 'lun-remove', args: { lun }, danger: true },
  ];
}

/** Asks, then runs one action on a device; calls done() after a success. */
export async function run(device, spec, done) {
  const name = `${device.node}/${device.id}`;
  const what = spec.action === 'remove' ? `Remove device ${name}?` : `${spec.label} on ${name}?`;
  const entered = await confirmAction(what, spec.fields);
  if (entered === null) return;
  const args = { ...(spec.args ?? {}), ...entered };
  for (const k of ['lun', 'seconds', 'frames']) if (k in args) args[k] = integer(args[k]);
  try {
    if (spec.action === 'remove') {
      await api('DELETE', devicePath(device.node, device.id));
      showResult(`removed ${name}`);
    } else {
      const reply = await api('POST', `${devicePath(device.node, device.id)}/actions/${spec.action}`, args);
      showResult(`${spec.action} on ${name}: ${JSON.stringify(reply)}`);
    }
    done?.();
  } catch (e) {
    showRefusal(`${spec.action} on ${name}`, e);
  }
}
