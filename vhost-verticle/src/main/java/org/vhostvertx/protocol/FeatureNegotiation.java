package org.vhostvertx.protocol;

import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;

/**
 * Feature negotiation with the front end (GET/SET_FEATURES, GET/SET_PROTOCOL_FEATURES): what we
 * offer for the device, and what the front end took. It is the one place that says whether a
 * feature is negotiated, for the request table's check and for REPLY_ACK alike.
 */
final class FeatureNegotiation {

    private final DeviceSpec spec;
    private long features;
    private boolean featuresSet;
    private long protocolFeatures;

    FeatureNegotiation(DeviceSpec spec) {
        this.spec = spec;
    }

    /** GET_FEATURES. */
    long offeredFeatures() {
        return spec.offered();
    }

    /** GET_PROTOCOL_FEATURES. */
    long offeredProtocolFeatures() {
        return ProtocolFeatures.COMMON | spec.protocolFeatures();
    }

    /** SET_FEATURES: refused if the front end takes a feature we did not offer. */
    void setFeatures(long f) {
        long extra = f & ~offeredFeatures();
        if (extra != 0) {
            throw ProtocolException.refuse(String.format("features 0x%x were not offered", extra));
        }
        features = f;
        featuresSet = true;
    }

    /** SET_PROTOCOL_FEATURES: refused if the front end takes a feature we did not offer. */
    void setProtocolFeatures(long f) {
        long extra = f & ~offeredProtocolFeatures();
        if (extra != 0) {
            throw ProtocolException.refuse(String.format("protocol features 0x%x were not offered", extra));
        }
        protocolFeatures = f;
    }

    /** The virtio features of the last SET_FEATURES (0 before it). */
    long features() {
        return features;
    }

    boolean featuresSet() {
        return featuresSet;
    }

    /** The protocol features of the last SET_PROTOCOL_FEATURES (0 before it). */
    long protocolFeatures() {
        return protocolFeatures;
    }

    /** Whether the front end took this protocol feature bit ({@link ProtocolFeatures}). */
    boolean hasProtocolFeature(long bit) {
        return (protocolFeatures & bit) != 0;
    }

    /**
     * Whether the front end negotiated f: a protocol feature once SET_PROTOCOL_FEATURES took it; a
     * virtio feature once SET_FEATURES took it, or before SET_FEATURES if we offer it (see
     * {@link Request}).
     */
    boolean negotiated(Feature f) {
        return f.in(featuresSet ? features : offeredFeatures(), protocolFeatures);
    }

    /** The device was reset: its virtio features go; the protocol features stay with the connection. */
    void resetFeatures() {
        features = 0;
        featuresSet = false;
    }
}
