package org.vhostvertx.protocol;

import java.util.List;

/**
 * What the protocol side knows of a device's front end at one moment, for the node's report
 * ({@link VhostUserVerticle#snapshot()}).
 *
 * @param state            "listening" (server, no front end), "connecting" (client, no front end),
 *                         "connected", "running" (connected and at least one ring started on the
 *                         device), or "needs-reset" (a ring broke or could not start since the last
 *                         reset; it takes precedence over the others)
 * @param connectedSince   epoch ms at which the front end's connection was accepted or made; null
 *                         without one
 * @param features         the virtio features of the last SET_FEATURES since the last reset (0
 *                         before it, or without a front end)
 * @param protocolFeatures the vhost-user protocol features the front end set
 * @param memoryRegions    the guest memory regions mapped now, each once
 */
public record ConnectionSnapshot(String state, Long connectedSince, long features, long protocolFeatures,
                                 List<Region> memoryRegions) {

    /** One mapped region: guest-physical address, size, and the front end's virtual address. */
    public record Region(long gpa, long size, long uva) {
    }
}
