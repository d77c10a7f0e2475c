/**
 * A one-character class in the default package, which no allow-list may admit: its static
 * initializer sets the system property {@link #INITIALIZED_PROPERTY}.
 */
public class Z {

	/**
	 * System property set when the class is initialized.
	 */
	public static final String INITIALIZED_PROPERTY = "tiered-cache.test.default-package-gadget";

	static {
		System.setProperty(INITIALIZED_PROPERTY, "true");
	}

}
