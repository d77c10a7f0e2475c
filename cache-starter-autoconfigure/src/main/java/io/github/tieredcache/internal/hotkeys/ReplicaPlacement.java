package io.github.tieredcache.internal.hotkeys;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.ClusterSlotHashUtil;
import org.springframework.data.redis.connection.RedisClusterNode;

/**
 * Where the replicas of a hot key go: keys {@code <replica base>#r<i>} whose suffixes are
 * chosen so that, on a Redis Cluster, each copy falls in another slot served by another
 * master than the primary and the other copies (as long as there are masters left; then
 * in other slots). On a single Redis the suffixes are simply {@code #r0 … #r(n-2)}. Every
 * instance computes the same suffixes from the same slot map. Immutable.
 */
public final class ReplicaPlacement {

	/**
	 * The most copies of a key (primary included).
	 */
	public static final int MAX_COPIES = 16;

	private static final int MAX_TRIES = 4096;

	private static final ReplicaPlacement STANDALONE = new ReplicaPlacement(null, 1);

	private final int @Nullable [] masterOfSlot;

	private final int masters;

	private ReplicaPlacement(int @Nullable [] masterOfSlot, int masters) {
		this.masterOfSlot = masterOfSlot;
		this.masters = masters;
	}

	/**
	 * Return the placement of a single Redis.
	 * @return the placement
	 */
	public static ReplicaPlacement standalone() {
		return STANDALONE;
	}

	/**
	 * Return the placement of a cluster from its nodes (the masters' slot ranges).
	 * @param nodes the cluster's nodes, replicas included (ignored)
	 * @return the placement
	 */
	public static ReplicaPlacement cluster(Iterable<RedisClusterNode> nodes) {
		int[] masterOfSlot = new int[ClusterSlotHashUtil.SLOT_COUNT];
		Arrays.fill(masterOfSlot, -1);
		int masters = 0;
		for (RedisClusterNode node : nodes) {
			if (!node.isMaster() || node.getSlotRange().getSlots().isEmpty()) {
				continue;
			}
			for (int slot : node.getSlotRange().getSlotsArray()) {
				masterOfSlot[slot] = masters;
			}
			masters++;
		}
		return (masters == 0) ? STANDALONE : new ReplicaPlacement(masterOfSlot, masters);
	}

	/**
	 * Return whether another placement maps every slot to the same master index.
	 * @param other the other placement
	 * @return whether the two place replicas alike
	 */
	public boolean sameAs(ReplicaPlacement other) {
		return this.masters == other.masters && Arrays.equals(this.masterOfSlot, other.masterOfSlot);
	}

	/**
	 * Return the number of masters (1 for a single Redis).
	 * @return the masters
	 */
	public int masters() {
		return this.masters;
	}

	/**
	 * Return whether this is a cluster's placement.
	 * @return whether slots matter
	 */
	public boolean isCluster() {
		return this.masterOfSlot != null;
	}

	/**
	 * Return the replica suffix numbers of a key: {@code copies − 1} of them, each naming
	 * the replica {@code <replicaBase>#r<number>}.
	 * @param primaryKey the primary Redis key
	 * @param replicaBase the key the replicas' names start with
	 * @param copies how many copies in all, primary included (capped at
	 * {@value #MAX_COPIES})
	 * @return the suffix numbers, in replica order
	 */
	public int[] suffixes(byte[] primaryKey, byte[] replicaBase, int copies) {
		int replicas = Math.max(0, Math.min(copies, MAX_COPIES) - 1);
		int[] suffixes = new int[replicas];
		int[] masterOfSlot = this.masterOfSlot;
		if (masterOfSlot == null) {
			for (int i = 0; i < replicas; i++) {
				suffixes[i] = i;
			}
			return suffixes;
		}
		boolean[] usedMasters = new boolean[this.masters];
		boolean[] usedSlots = new boolean[ClusterSlotHashUtil.SLOT_COUNT];
		int primarySlot = ClusterSlotHashUtil.calculateSlot(primaryKey);
		usedSlots[primarySlot] = true;
		if (masterOfSlot[primarySlot] >= 0) {
			usedMasters[masterOfSlot[primarySlot]] = true;
		}
		int found = 0;
		List<Integer> otherSlots = new ArrayList<>();
		for (int candidate = 0; candidate < MAX_TRIES && found < replicas; candidate++) {
			int slot = ClusterSlotHashUtil.calculateSlot(replicaKey(replicaBase, candidate));
			if (usedSlots[slot]) {
				continue;
			}
			int master = masterOfSlot[slot];
			if (master >= 0 && !usedMasters[master]) {
				usedMasters[master] = true;
				usedSlots[slot] = true;
				suffixes[found++] = candidate;
				if (allUsed(usedMasters)) {
					Arrays.fill(usedMasters, false);
				}
			}
			else if (otherSlots.size() < replicas) {
				otherSlots.add(candidate);
			}
		}
		// a hash tag pins every suffix to one slot: the copies then share it
		for (int i = 0; found < replicas; i++) {
			suffixes[found++] = (i < otherSlots.size()) ? otherSlots.get(i) : found;
		}
		return suffixes;
	}

	private static boolean allUsed(boolean[] used) {
		for (boolean u : used) {
			if (!u) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return the key of one replica.
	 * @param replicaBase the key the replicas' names start with
	 * @param suffix the suffix number
	 * @return {@code <replicaBase>#r<suffix>}
	 */
	public static byte[] replicaKey(byte[] replicaBase, int suffix) {
		byte[] tail = ("#r" + suffix).getBytes(StandardCharsets.US_ASCII);
		byte[] key = Arrays.copyOf(replicaBase, replicaBase.length + tail.length);
		System.arraycopy(tail, 0, key, replicaBase.length, tail.length);
		return key;
	}

	/**
	 * Return the master serving a key's slot ({@code -1} on a single Redis or for an
	 * unserved slot).
	 * @param key the key
	 * @return the master's index
	 */
	public int masterOf(byte[] key) {
		int[] masterOfSlot = this.masterOfSlot;
		return (masterOfSlot != null) ? masterOfSlot[ClusterSlotHashUtil.calculateSlot(key)] : -1;
	}

}
