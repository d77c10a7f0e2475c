package io.github.tieredcache.sample;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * {@code /me/**} is for signed-in members (HTTP Basic; two demo members, {@code alice}
 * and {@code bob}, password {@code secret}); the catalogue is open to everyone. A
 * stateless JSON API: no session, no CSRF token. Spring Security's default headers stay
 * on: its {@code Cache-Control: no-cache, no-store, max-age=0, must-revalidate} goes on
 * every response that has no {@code Cache-Control} of its own, so the endpoints without
 * {@code @HttpCaching} (such as {@code /stats}) are not cached anywhere.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		return http
			.authorizeHttpRequests(
					(requests) -> requests.requestMatchers("/me/**").authenticated().anyRequest().permitAll())
			.httpBasic(Customizer.withDefaults())
			.csrf((csrf) -> csrf.disable())
			.sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.build();
	}

	@Bean
	UserDetailsService members() {
		return new InMemoryUserDetailsManager(
				User.withUsername("alice").password("{noop}secret").roles("MEMBER").build(),
				User.withUsername("bob").password("{noop}secret").roles("MEMBER").build());
	}

}
