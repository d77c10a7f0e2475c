package io.github.tieredcache.internal.hotkeys;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sketch and the counter built on it: fixed memory, decay, and the heavy keys of a
 * Zipf stream found with estimates that never undercount.
 */
class FrequencySketchTests {

	@Test
	void memoryIsFixedAtCreationWhateverTheNumberOfKeys() {
		FrequencySketch sketch = new FrequencySketch(1000);
		long bytes = sketch.tableBytes();
		assertThat(sketch.width()).isEqualTo(1024);
		for (int i = 0; i < 1_000_000; i++) {
			sketch.increment(FrequencySketch.hash("key" + i));
		}
		assertThat(sketch.tableBytes()).isEqualTo(bytes).isEqualTo(4L * 4 * 1024);
	}

	@Test
	void countsHalveOnDecayAndWhenTheSampleIsFull() {
		FrequencySketch sketch = new FrequencySketch(64);
		long hash = FrequencySketch.hash("a");
		for (int i = 0; i < 100; i++) {
			sketch.increment(hash);
		}
		assertThat(sketch.estimate(hash)).isEqualTo(100);
		sketch.halve();
		assertThat(sketch.estimate(hash)).isEqualTo(50);
		assertThat(sketch.total()).isEqualTo(50);
		// 10 × width additions halve everything once more
		for (int i = 0; i < 640; i++) {
			sketch.increment(FrequencySketch.hash("other" + i));
		}
		assertThat(sketch.estimate(hash)).isLessThanOrEqualTo(25 + 5);
	}

	@Test
	void findsTheHeavyKeysOfAZipfStreamWithoutUndercounting() {
		int keys = 100_000;
		double[] cumulative = zipf(keys, 1.1);
		Random random = new Random(42);
		HotKeyCounter counter = new HotKeyCounter(16, 0.01);
		Map<String, Integer> exact = new HashMap<>();
		int reads = 200_000;
		for (int i = 0; i < reads; i++) {
			String key = "k" + sample(cumulative, random.nextDouble());
			counter.record(key);
			exact.merge(key, 1, Integer::sum);
		}
		List<Map.Entry<String, Integer>> hot = counter.hot();
		// every key above 1% of the reads is named, heaviest first
		List<String> expected = new ArrayList<>();
		exact.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() >= 0.01 * reads)
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(16)
			.forEach((entry) -> expected.add(entry.getKey()));
		assertThat(expected).isNotEmpty().contains("k0", "k1");
		assertThat(hot.stream().map(Map.Entry::getKey).toList()).containsAll(expected);
		assertThat(hot.get(0).getKey()).isEqualTo("k0");
		// the sketch halved itself while counting: estimates are of the decayed counts,
		// so compare shares, within a tenth of the threshold
		for (Map.Entry<String, Integer> entry : hot) {
			double share = (double) exact.get(entry.getKey()) / reads;
			assertThat(entry.getValue()).isPositive();
			assertThat(share).isGreaterThan(0.005);
		}
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		counter.decay();
		assertThat(counter.hot()).isEmpty();
	}

	@Test
	void aFewReadsMakeNoHotKey() {
		HotKeyCounter counter = new HotKeyCounter(4, 0.1);
		for (int i = 0; i < HotKeyCounter.MIN_COUNT - 1; i++) {
			counter.record("only");
		}
		assertThat(counter.hot()).isEmpty();
		counter.record("only");
		assertThat(counter.hot()).extracting(Map.Entry::getKey).containsExactly("only");
	}

	private static double[] zipf(int n, double s) {
		double[] cumulative = new double[n];
		double sum = 0;
		for (int i = 0; i < n; i++) {
			sum += 1 / Math.pow(i + 1, s);
			cumulative[i] = sum;
		}
		for (int i = 0; i < n; i++) {
			cumulative[i] /= sum;
		}
		return cumulative;
	}

	private static int sample(double[] cumulative, double u) {
		int index = java.util.Arrays.binarySearch(cumulative, u);
		return Math.min(cumulative.length - 1, (index >= 0) ? index : -index - 1);
	}

}
