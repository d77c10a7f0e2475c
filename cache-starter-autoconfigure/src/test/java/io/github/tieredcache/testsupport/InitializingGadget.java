package io.github.tieredcache.testsupport;

/**
 * Stands for a class whose mere initialization is the attack: its static initializer sets
 * the system property {@link #INITIALIZED_PROPERTY}. Tests plant its name in payloads and
 * check that the property is still unset (reading the constant does not initialize the
 * class).
 */
public class InitializingGadget {

	/**
	 * System property set when the class is initialized.
	 */
	public static final String INITIALIZED_PROPERTY = "tiered-cache.test.initializing-gadget";

	static {
		System.setProperty(INITIALIZED_PROPERTY, "true");
	}

	private String command = "";

	public String getCommand() {
		return this.command;
	}

	public void setCommand(String command) {
		this.command = command;
	}

}
