package dev.fastcgi.servlet;

import jakarta.servlet.http.Cookie;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the hand-written Cookie header parser of {@link FastCgiRequest}.
 */
class FastCgiRequestCookieTests {

	@Test
	void parsesPairsSeparatedBySemicolonsAndCommas() {
		Cookie[] cookies = FastCgiRequest.parseCookies(" a=b; c=\"d e\",f = g ;h=");
		assertThat(cookies).extracting(Cookie::getName).containsExactly("a", "c", "f", "h");
		assertThat(cookies).extracting(Cookie::getValue).containsExactly("b", "d e", "g", "");
	}

	@Test
	void skipsPairsWithoutNameOrEqualsAndDollarNames() {
		Cookie[] cookies = FastCgiRequest.parseCookies("$Version=1; =x; novalue; ;, ok=1; \"=\"");
		assertThat(cookies).extracting(Cookie::getName).containsExactly("ok");
	}

	@Test
	void keepsALoneQuoteAndDecodesUtf8() {
		Cookie[] cookies = FastCgiRequest.parseCookies("q=\"; u=caf\u00c3\u00a9");
		assertThat(cookies).extracting(Cookie::getValue).containsExactly("\"", "caf\u00e9");
	}

	@Test
	void emptyOrMissingHeaderHasNoCookies() {
		assertThat(FastCgiRequest.parseCookies(null)).isEmpty();
		assertThat(FastCgiRequest.parseCookies("")).isEmpty();
		assertThat(FastCgiRequest.parseCookies(" ; , ")).isEmpty();
	}

	@Test
	void scannerMatchesNamesWithoutAllocating() {
		FastCgiRequest.CookieScanner scanner = new FastCgiRequest.CookieScanner("x=1; JSESSIONID = abc ; JSESSIONIDX=2");
		assertThat(scanner.next()).isTrue();
		assertThat(scanner.nameEquals("JSESSIONID")).isFalse();
		assertThat(scanner.next()).isTrue();
		assertThat(scanner.nameEquals("JSESSIONID")).isTrue();
		assertThat(scanner.value()).isEqualTo("abc");
		assertThat(scanner.next()).isTrue();
		assertThat(scanner.nameEquals("JSESSIONID")).isFalse();
		assertThat(scanner.next()).isFalse();
	}

}
