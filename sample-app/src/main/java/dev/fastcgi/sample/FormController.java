package dev.fastcgi.sample;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.util.HtmlUtils;

/**
 * An HTML form posted back as {@code application/x-www-form-urlencoded}.
 */
@Controller
class FormController {

	@GetMapping(path = "/form", produces = MediaType.TEXT_HTML_VALUE)
	@ResponseBody
	String form() {
		return page("Sign the guest book", """
				<form method="post" action="form">
				  <label>Name <input name="name"></label>
				  <label>Message <textarea name="message"></textarea></label>
				  <button type="submit">Sign</button>
				</form>
				""");
	}

	@PostMapping(path = "/form", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
			produces = MediaType.TEXT_HTML_VALUE)
	@ResponseBody
	String submit(@RequestParam String name, @RequestParam(defaultValue = "") String message) {
		return page("Thank you", "<p>Thank you, <b>" + HtmlUtils.htmlEscape(name) + "</b>. You wrote: <q>"
				+ HtmlUtils.htmlEscape(message) + "</q></p>");
	}

	private static String page(String title, String body) {
		return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>"
				+ title + "</h1>\n" + body + "</body></html>\n";
	}

}
