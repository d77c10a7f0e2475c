package io.github.tieredcache.internal.hotkeys;

/**
 * A count-min sketch of 4 rows of int counters whose counts decay: every counter is
 * halved when the additions reach ten times the width, and on each {@link #halve()}.
 * Memory is fixed at creation ({@code 4 × width} ints); an estimate never undercounts the
 * additions since the last halvings (halved the same way) and overcounts by at most
 * {@code e × total / width} with probability {@code 1 − e^-4} per key. Not thread-safe:
 * the caller serialises access.
 */
public final class FrequencySketch {

	private static final int DEPTH = 4;

	private static final long[] SEEDS = { 0xc3a5c85c97cb3127L, 0xb492b66fbe98f273L, 0x9ae16a3b2f90404fL,
			0xcbf29ce484222325L };

	private final int[] table;

	private final int mask;

	private final int width;

	private final long sampleSize;

	private long additions;

	private long total;

	/**
	 * Create a sketch.
	 * @param width counters per row, rounded up to a power of two (at least 64)
	 */
	public FrequencySketch(int width) {
		if (width < 1) {
			throw new IllegalArgumentException("width must be positive");
		}
		this.width = Math.max(64, Integer.highestOneBit(Math.min(width, 1 << 24) - 1) << 1);
		this.mask = this.width - 1;
		this.table = new int[DEPTH * this.width];
		this.sampleSize = 10L * this.width;
	}

	/**
	 * Count one occurrence of a key.
	 * @param hash the key's hash (any 64 bits; spread here)
	 * @return the key's estimate, this occurrence included
	 */
	public int increment(long hash) {
		int min = Integer.MAX_VALUE;
		for (int row = 0; row < DEPTH; row++) {
			int index = index(hash, row);
			int count = this.table[index];
			if (count != Integer.MAX_VALUE) {
				count++;
				this.table[index] = count;
			}
			min = Math.min(min, count);
		}
		this.total++;
		if (++this.additions >= this.sampleSize) {
			halve();
		}
		return min;
	}

	/**
	 * Return the estimated (decayed) count of a key.
	 * @param hash the key's hash
	 * @return the estimate
	 */
	public int estimate(long hash) {
		int min = Integer.MAX_VALUE;
		for (int row = 0; row < DEPTH; row++) {
			min = Math.min(min, this.table[index(hash, row)]);
		}
		return min;
	}

	/**
	 * Return the decayed number of additions, halved with the counters.
	 * @return the total
	 */
	public long total() {
		return this.total;
	}

	/**
	 * Halve every counter and the total.
	 */
	public void halve() {
		for (int i = 0; i < this.table.length; i++) {
			this.table[i] >>>= 1;
		}
		this.total >>>= 1;
		this.additions >>>= 1;
	}

	/**
	 * Return the counters per row.
	 * @return the width
	 */
	public int width() {
		return this.width;
	}

	/**
	 * Return the memory the counters take, in bytes (fixed).
	 * @return the size of the table
	 */
	public long tableBytes() {
		return 4L * this.table.length;
	}

	private int index(long hash, int row) {
		long h = (hash + SEEDS[row]) * 0x9e3779b97f4a7c15L;
		h ^= (h >>> 32);
		h *= 0xff51afd7ed558ccdL;
		h ^= (h >>> 29);
		return row * this.width + ((int) h & this.mask);
	}

	/**
	 * Spread a string's hash over 64 bits.
	 * @param key the key
	 * @return the hash
	 */
	public static long hash(String key) {
		long h = key.hashCode() * 0x9e3779b97f4a7c15L + key.length();
		return h ^ (h >>> 31);
	}

}
