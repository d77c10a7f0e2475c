package io.github.tieredcache.internal.hotkeys;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts one cache's Redis reads by key in a {@link FrequencySketch} and keeps the
 * heaviest keys as candidates (at most {@code 4 × topK}), so that the hot keys can be
 * named without remembering every key. Memory is fixed: the sketch's table and the
 * candidates. A key is hot when its decayed count is at least {@code threshold} of all
 * decayed reads and at least {@value #MIN_COUNT}.
 * <p>
 * Thread-safe. {@link #record(String)} takes a lock held for a few hundred nanoseconds;
 * it is meant for the path that reads Redis anyway, never the in-process hit path.
 */
public final class HotKeyCounter {

	/**
	 * The fewest decayed reads that make a key hot, whatever its share, so that a cache
	 * read a handful of times has no hot keys.
	 */
	public static final int MIN_COUNT = 8;

	private final ReentrantLock lock = new ReentrantLock();

	private final FrequencySketch sketch;

	private final Map<String, Integer> candidates;

	private final int capacity;

	private final int topK;

	private final double threshold;

	private int smallest;

	/**
	 * Create a counter.
	 * @param topK the most hot keys it names
	 * @param threshold the share of reads that makes a key hot, in (0, 1]
	 */
	public HotKeyCounter(int topK, double threshold) {
		if (topK < 1) {
			throw new IllegalArgumentException("topK must be at least 1");
		}
		if (!(threshold > 0 && threshold <= 1)) {
			throw new IllegalArgumentException("threshold must be in (0, 1]");
		}
		this.topK = topK;
		this.threshold = threshold;
		this.capacity = 4 * topK;
		this.candidates = new HashMap<>(2 * this.capacity);
		// wide enough that a key of the threshold's share stands out: errors stay below
		// a tenth of it
		int width = (int) Math.min(1 << 16, Math.max(256, Math.ceil(4 * Math.E / threshold)));
		this.sketch = new FrequencySketch(Math.max(width, 8 * this.capacity));
	}

	/**
	 * Count a read of a key.
	 * @param encodedKey the encoded key
	 */
	public void record(String encodedKey) {
		long hash = FrequencySketch.hash(encodedKey);
		this.lock.lock();
		try {
			int estimate = this.sketch.increment(hash);
			Integer known = this.candidates.get(encodedKey);
			if (known != null) {
				this.candidates.put(encodedKey, estimate);
			}
			else if (this.candidates.size() < this.capacity) {
				this.candidates.put(encodedKey, estimate);
				this.smallest = Math.min(this.smallest, estimate);
			}
			else if (estimate > this.smallest) {
				replaceSmallest(encodedKey, estimate);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private void replaceSmallest(String encodedKey, int estimate) {
		String smallestKey = null;
		int smallestCount = Integer.MAX_VALUE;
		for (Map.Entry<String, Integer> entry : this.candidates.entrySet()) {
			if (entry.getValue() < smallestCount) {
				smallestCount = entry.getValue();
				smallestKey = entry.getKey();
			}
		}
		if (smallestKey != null && smallestCount < estimate) {
			this.candidates.remove(smallestKey);
			this.candidates.put(encodedKey, estimate);
		}
		int least = Integer.MAX_VALUE;
		for (int count : this.candidates.values()) {
			least = Math.min(least, count);
		}
		this.smallest = least;
	}

	/**
	 * Return the hot keys now, heaviest first, at most {@code topK}.
	 * @return the hot keys with their decayed counts
	 */
	public List<Map.Entry<String, Integer>> hot() {
		this.lock.lock();
		try {
			long total = this.sketch.total();
			List<Map.Entry<String, Integer>> hot = new ArrayList<>();
			for (String key : this.candidates.keySet()) {
				int estimate = this.sketch.estimate(FrequencySketch.hash(key));
				if (estimate >= MIN_COUNT && estimate >= this.threshold * total) {
					hot.add(Map.entry(key, estimate));
				}
			}
			hot.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
			return (hot.size() > this.topK) ? new ArrayList<>(hot.subList(0, this.topK)) : hot;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Age the counts by half (once per window), refreshing the candidates' counts and
	 * dropping those that fell to zero.
	 */
	public void decay() {
		this.lock.lock();
		try {
			this.sketch.halve();
			this.candidates.replaceAll((key, count) -> this.sketch.estimate(FrequencySketch.hash(key)));
			this.candidates.values().removeIf((count) -> count == 0);
			int least = this.candidates.isEmpty() ? 0 : Integer.MAX_VALUE;
			for (int count : this.candidates.values()) {
				least = Math.min(least, count);
			}
			this.smallest = least;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Return the decayed count of a key (for tests and the endpoint).
	 * @param encodedKey the key
	 * @return the estimate
	 */
	public int estimate(String encodedKey) {
		this.lock.lock();
		try {
			return this.sketch.estimate(FrequencySketch.hash(encodedKey));
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Return the most keys this counter names as hot.
	 * @return top-K
	 */
	public int topK() {
		return this.topK;
	}

}
