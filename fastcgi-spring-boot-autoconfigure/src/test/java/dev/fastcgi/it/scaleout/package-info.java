/**
 * Scale-out end-to-end tests: two instances behind one web server, sessions shared in Spring Session JDBC.
 */
package dev.fastcgi.it.scaleout;
