package io.github.tieredcache.internal.hotkeys;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.ClusterSlotHashUtil;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisClusterNode.SlotRange;
import org.springframework.data.redis.connection.RedisNode.NodeType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replica placement over a slot map like a 3-master cluster's.
 */
class ReplicaPlacementTests {

	private static final ReplicaPlacement THREE_MASTERS = ReplicaPlacement
		.cluster(List.of(master(0, 5460), master(5461, 10922), master(10923, 16383)));

	private static RedisClusterNode master(int from, int to) {
		return RedisClusterNode.newRedisClusterNode()
			.listeningAt("127.0.0.1", 7000 + from)
			.promotedAs(NodeType.MASTER)
			.serving(new SlotRange(from, to))
			.build();
	}

	@Test
	void replicasFallOnTheOtherMastersInOtherSlots() {
		for (int i = 0; i < 200; i++) {
			byte[] primary = ("app:items:v1-x:key" + i).getBytes(StandardCharsets.UTF_8);
			byte[] base = ("app:items:h1-x:key" + i).getBytes(StandardCharsets.UTF_8);
			int[] suffixes = THREE_MASTERS.suffixes(primary, base, 3);
			assertThat(suffixes).hasSize(2);
			Set<Integer> masters = new HashSet<>();
			Set<Integer> slots = new HashSet<>();
			masters.add(THREE_MASTERS.masterOf(primary));
			slots.add(ClusterSlotHashUtil.calculateSlot(primary));
			for (int suffix : suffixes) {
				byte[] replica = ReplicaPlacement.replicaKey(base, suffix);
				masters.add(THREE_MASTERS.masterOf(replica));
				slots.add(ClusterSlotHashUtil.calculateSlot(replica));
			}
			assertThat(masters).hasSize(3);
			assertThat(slots).hasSize(3);
			// every instance computes the same names
			assertThat(THREE_MASTERS.suffixes(primary, base, 3)).isEqualTo(suffixes);
		}
	}

	@Test
	void moreCopiesThanMastersStillTakeDistinctSlotsAndAreCapped() {
		byte[] primary = "app:items:v1-x:key".getBytes(StandardCharsets.UTF_8);
		byte[] base = "app:items:h1-x:key".getBytes(StandardCharsets.UTF_8);
		int[] suffixes = THREE_MASTERS.suffixes(primary, base, 40);
		assertThat(suffixes).hasSize(ReplicaPlacement.MAX_COPIES - 1);
		Set<Integer> slots = new HashSet<>();
		for (int suffix : suffixes) {
			slots.add(ClusterSlotHashUtil.calculateSlot(ReplicaPlacement.replicaKey(base, suffix)));
		}
		assertThat(slots).hasSize(suffixes.length);
	}

	@Test
	void aSingleRedisNumbersItsReplicasInOrder() {
		ReplicaPlacement standalone = ReplicaPlacement.standalone();
		assertThat(standalone.masters()).isEqualTo(1);
		assertThat(standalone.suffixes(new byte[] { 'k' }, new byte[] { 'h' }, 1)).isEmpty();
		assertThat(standalone.suffixes(new byte[] { 'k' }, new byte[] { 'h' }, 3)).containsExactly(0, 1);
	}

}
