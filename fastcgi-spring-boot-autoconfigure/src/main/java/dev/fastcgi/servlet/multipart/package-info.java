/**
 * A streaming {@code multipart/form-data} (RFC 7578) parser producing servlet {@code Part}s, with per-part and
 * per-request size limits and an in-memory threshold above which parts go to temporary files.
 */
package dev.fastcgi.servlet.multipart;
