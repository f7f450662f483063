/**
 * Support for Skein's own tests: forked JVMs for crash tests and a bounded wait. Test scope only.
 */
package io.skein.testsupport;
