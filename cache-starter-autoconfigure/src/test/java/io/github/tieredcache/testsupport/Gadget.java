package io.github.tieredcache.testsupport;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stands for a class an attacker would like the cache to instantiate: tests plant its
 * name in Redis and check that it was never constructed.
 */
public class Gadget {

	/**
	 * Set when an instance is constructed.
	 */
	public static final AtomicBoolean CONSTRUCTED = new AtomicBoolean();

	private String command = "";

	public Gadget() {
		CONSTRUCTED.set(true);
	}

	public String getCommand() {
		return this.command;
	}

	public void setCommand(String command) {
		this.command = command;
	}

}
