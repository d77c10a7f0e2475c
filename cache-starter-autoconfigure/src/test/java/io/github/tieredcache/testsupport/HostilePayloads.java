package io.github.tieredcache.testsupport;

import java.util.List;

/**
 * JSON payloads an attacker with write access to Redis could plant for the value codec:
 * each names a type that must never be loaded, initialized or instantiated. See
 * {@link SideEffects} for what they would leave behind if they were.
 */
public final class HostilePayloads {

	/**
	 * The payloads, as the JSON part of an entry (no format byte).
	 */
	public static final List<String> JSON = List.of(
			// a class literal loads and initializes any class on the class path
			"[\"java.lang.Class\",\"io.github.tieredcache.testsupport.InitializingGadget\"]",
			// java.util is not a list of value types: a Timer starts a thread
			"{\"@class\":\"java.util.Timer\"}", "[\"java.util.Timer\",{}]",
			"{\"@class\":\"java.util.logging.FileHandler\"}",
			"{\"@class\":\"java.util.concurrent.ThreadPoolExecutor\"}",
			// the default package, one character and as an array element
			"{\"@class\":\"Z\"}", "[\"[LZ;\",[{}]]",
			// a generic parameter or an array element outside the list
			"[\"java.util.ArrayList<io.github.tieredcache.testsupport.InitializingGadget>\",[{\"command\":\"x\"}]]",
			"{\"@class\":\"java.util.HashMap<java.lang.String,io.github.tieredcache.testsupport.InitializingGadget>\","
					+ "\"k\":{\"command\":\"x\"}}",
			"[\"[Lio.github.tieredcache.testsupport.InitializingGadget;\",[{\"command\":\"x\"}]]",
			// a subclass of a thread-bearing type in an allowed package
			"{\"@class\":\"io.github.tieredcache.core.JacksonValueCodecTests$TimerValue\"}",
			// classic gadgets
			"{\"@class\":\"java.lang.Thread\",\"name\":\"hostile\"}",
			"[\"java.lang.ProcessBuilder\",[\"touch\",\"hostile\"]]", "{\"@class\":\"java.lang.Runtime\"}",
			"[\"java.net.URL\",\"http://localhost:1/hostile\"]", "[\"java.io.File\",\"hostile\"]",
			"{\"@class\":\"javax.naming.InitialContext\"}",
			"{\"@class\":\"com.sun.rowset.JdbcRowSetImpl\",\"dataSourceName\":\"ldap://localhost:1/x\","
					+ "\"autoCommit\":true}",
			"[\"org.springframework.context.support.ClassPathXmlApplicationContext\",\"http://localhost:1/x.xml\"]",
			"{\"@class\":\"io.github.tieredcache.testsupport.Gadget\",\"command\":\"x\"}");

	private HostilePayloads() {
	}

}
