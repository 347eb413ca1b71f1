package org.vhostvertx.scsi;

/** An event the device posts on the event queue (virtio_scsi_event). */
record ScsiEvent(int event, int lun, int reason) {
}
