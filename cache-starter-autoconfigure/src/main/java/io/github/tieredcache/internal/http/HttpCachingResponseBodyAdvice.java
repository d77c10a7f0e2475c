package io.github.tieredcache.internal.http;

import io.github.tieredcache.http.HttpCaching;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Hands the body a handler returned to {@link HttpCaching#surrogateKeys()} expressions,
 * as {@code #result}. Changes nothing. Thread-safe.
 */
@ControllerAdvice
public final class HttpCachingResponseBodyAdvice implements ResponseBodyAdvice<Object> {

	@Override
	public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
		return true;
	}

	@Override
	public @Nullable Object beforeBodyWrite(@Nullable Object body, MethodParameter returnType,
			MediaType selectedContentType, Class<? extends HttpMessageConverter<?>> selectedConverterType,
			ServerHttpRequest request, ServerHttpResponse response) {
		if (request instanceof ServletServerHttpRequest servletRequest
				&& servletRequest.getServletRequest()
					.getAttribute(CachingExchange.ATTRIBUTE) instanceof CachingExchange exchange
				&& !exchange.bodySeen) {
			exchange.bodySeen = true;
			exchange.body = body;
		}
		return body;
	}

}
