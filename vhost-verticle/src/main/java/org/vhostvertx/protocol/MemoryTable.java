package org.vhostvertx.protocol;

import io.vertx.core.Future;
import org.vhostvertx.memory.DirtyLog;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guest memory the front end shares with us (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG,
 * GET_MAX_MEM_SLOTS): maps its regions, hands every new snapshot to the device, and unmaps a
 * region only once the device says no queue uses the snapshot that had it.
 */
final class MemoryTable {

    static final int MAX_MEM_SLOTS = 509;

    private final DeviceLink link;
    private GuestMemory memory = GuestMemory.EMPTY;
    /**
     * Extra ADD_MEM_REGs of a region we have, by region. QEMU 7.2 runs a multi-queue net device as
     * one vhost device per queue pair on the same connection, and each adds the guest's regions.
     */
    private final Map<MemoryRegion, Integer> repeatedRegions = new HashMap<>();

    MemoryTable(DeviceLink link) {
        this.link = link;
    }

    /** The current snapshot, which rings start with. */
    GuestMemory current() {
        return memory;
    }

    Future<byte[]> getMaxMemSlots() {
        return Future.succeededFuture(Payloads.u64(MAX_MEM_SLOTS));
    }

    Future<byte[]> setMemTable(Message m) {
        ByteBuffer b = m.body();
        if (m.payload.length < 8) {
            throw ProtocolException.refuse("SET_MEM_TABLE payload of " + m.payload.length + " bytes");
        }
        int n = b.getInt(0);
        if (n < 1 || n > 8 || m.payload.length != 8 + 32 * n) {
            throw ProtocolException.refuse("SET_MEM_TABLE with " + n + " regions in " + m.payload.length + " bytes");
        }
        if (m.fdCount() != n) {
            throw ProtocolException.refuse("SET_MEM_TABLE with " + n + " regions carried " + m.fdCount()
                    + " descriptors");
        }
        List<MemoryRegion> regions = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                int at = 8 + 32 * i;
                regions.add(MemoryRegion.map(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16),
                        b.getLong(at + 24), m.fd(i)));
            }
            GuestMemory next = GuestMemory.of(regions);
            return swap(next).map(v -> null);
        } catch (RuntimeException e) {
            regions.forEach(MemoryRegion::close);
            throw ProtocolException.refuse("SET_MEM_TABLE: " + e.getMessage());
        }
    }

    /**
     * SET_LOG_BASE (LOG_SHMFD): maps the front end's dirty-page bitmap (u64 size, u64 offset, its
     * fd) and hands it to the device; the reply (a u64 0) goes once every running queue has it.
     */
    Future<byte[]> setLogBase(Message m) {
        ByteBuffer b = m.body();
        DirtyLog log;
        try {
            log = DirtyLog.map(m.fd(0), b.getLong(0), b.getLong(8));
        } catch (RuntimeException e) {
            throw ProtocolException.refuse("SET_LOG_BASE: " + e.getMessage());
        }
        return link.logBase(log).onFailure(e -> log.close()).map(v -> Payloads.u64(0));
    }

    Future<byte[]> addMemReg(Message m) {
        ByteBuffer b = m.body();
        MemoryRegion same = memory.find(b.getLong(8), b.getLong(16), b.getLong(24));
        if (same != null && same.mmapOffset() == b.getLong(32)) {
            // The same region again (another queue pair's vhost device): counted, not mapped twice.
            repeatedRegions.merge(same, 1, Integer::sum);
            return Future.succeededFuture();
        }
        if (memory.regionCount() >= MAX_MEM_SLOTS) {
            throw ProtocolException.refuse("all " + MAX_MEM_SLOTS + " memory slots are in use");
        }
        MemoryRegion r = MemoryRegion.map(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                m.fd(0));
        GuestMemory next;
        try {
            next = memory.with(r);
        } catch (RuntimeException e) {
            r.close();
            throw ProtocolException.refuse("ADD_MEM_REG: " + e.getMessage());
        }
        return swap(next).map(v -> null);
    }

    Future<byte[]> remMemReg(Message m) {
        if (m.fdCount() > 1) {
            throw ProtocolException.refuse("REM_MEM_REG carried " + m.fdCount() + " descriptors");
        }
        ByteBuffer b = m.body();
        MemoryRegion r = memory.find(b.getLong(8), b.getLong(16), b.getLong(24));
        if (r == null) {
            throw ProtocolException.refuse(String.format("REM_MEM_REG: no region at gpa 0x%x size 0x%x",
                    b.getLong(8), b.getLong(16)));
        }
        Integer extra = repeatedRegions.get(r);
        if (extra != null) {
            // One of several adds of this region is taken back; the region stays for the others.
            if (extra > 1) {
                repeatedRegions.put(r, extra - 1);
            } else {
                repeatedRegions.remove(r);
            }
            return Future.succeededFuture();
        }
        return swap(memory.without(r)).map(v -> null);
    }

    /** Moves running rings to the new snapshot, then unmaps the regions it no longer has. */
    private Future<Void> swap(GuestMemory next) {
        GuestMemory previous = memory;
        memory = next;
        repeatedRegions.keySet().retainAll(new HashSet<>(next.regions()));
        return link.memoryChanged(next).map(v -> {
            unmapDropped(previous, next);
            return null;
        });
    }

    private static void unmapDropped(GuestMemory previous, GuestMemory next) {
        Set<MemoryRegion> kept = new HashSet<>(next.regions());
        for (MemoryRegion r : previous.regions()) {
            if (!kept.contains(r)) {
                r.close();
            }
        }
    }

    /** Unmaps everything (the device has parked its queues). */
    void close() {
        memory.regions().forEach(MemoryRegion::close);
        memory = GuestMemory.EMPTY;
        repeatedRegions.clear();
    }
}
