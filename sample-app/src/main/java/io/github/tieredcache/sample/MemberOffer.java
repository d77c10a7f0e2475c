package io.github.tieredcache.sample;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A product as one member sees it: with the member's price.
 *
 * @param member the member's name
 * @param product the product
 * @param memberPrice the price for members, 10 % off
 */
public record MemberOffer(String member, Product product, BigDecimal memberPrice) {

	static MemberOffer of(String member, Product product) {
		return new MemberOffer(member, product,
				product.price().multiply(new BigDecimal("0.90")).setScale(2, RoundingMode.HALF_EVEN));
	}

}
