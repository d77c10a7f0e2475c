package io.github.tieredcache.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A Zipf distribution over ranks {@code 0..n-1}: rank {@code k} has weight
 * {@code (k+1)^-s}. Sampled by a binary search of the cumulative weights. Thread-safe.
 */
public final class Zipf {

	private final double[] cumulative;

	/**
	 * Create the distribution.
	 * @param n how many ranks
	 * @param s the exponent (1.1 for the loads here)
	 */
	public Zipf(int n, double s) {
		this.cumulative = new double[n];
		double sum = 0;
		for (int i = 0; i < n; i++) {
			sum += Math.pow(i + 1, -s);
			this.cumulative[i] = sum;
		}
		for (int i = 0; i < n; i++) {
			this.cumulative[i] /= sum;
		}
	}

	/**
	 * Draw a rank.
	 * @param random the caller's source of randomness
	 * @return a rank from {@code 0} (the most frequent) to {@code n-1}
	 */
	public int rank(SplittableRandom random) {
		int index = Arrays.binarySearch(this.cumulative, random.nextDouble());
		return Math.min(this.cumulative.length - 1, (index >= 0) ? index : -index - 1);
	}

	/**
	 * Return how many ranks there are.
	 * @return the number of ranks
	 */
	public int size() {
		return this.cumulative.length;
	}

}
