package io.github.tieredcache.internal.aspect;

import java.lang.reflect.Method;

import org.aopalliance.aop.Advice;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * Advises the methods that carry a pattern annotation (directly, on their class, or
 * through a meta-annotation) with the {@link TieredCacheInterceptor}.
 */
public final class TieredCacheAdvisor extends AbstractPointcutAdvisor {

	private final TieredCacheInterceptor interceptor;

	private final Pointcut pointcut;

	/**
	 * Create an advisor.
	 * @param interceptor the interceptor
	 * @param order the order relative to other advisors, such as the transaction
	 * advisor's
	 */
	public TieredCacheAdvisor(TieredCacheInterceptor interceptor, int order) {
		this.interceptor = interceptor;
		this.pointcut = new StaticMethodMatcherPointcut() {

			@Override
			public boolean matches(Method method, Class<?> targetClass) {
				return interceptor.intercepts(method, targetClass);
			}

		};
		setOrder(order);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

}
