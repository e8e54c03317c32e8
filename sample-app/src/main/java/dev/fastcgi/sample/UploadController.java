package dev.fastcgi.sample;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * A multipart file upload; answers the file's name, size and SHA-256 without keeping it.
 */
@RestController
class UploadController {

	@PostMapping("/upload")
	UploadResult upload(@RequestParam("file") MultipartFile file) throws IOException, NoSuchAlgorithmException {
		MessageDigest digest = MessageDigest.getInstance("SHA-256");
		long size = 0;
		try (InputStream in = new DigestInputStream(file.getInputStream(), digest)) {
			byte[] buffer = new byte[8192];
			for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
				size += read;
			}
		}
		return new UploadResult(file.getOriginalFilename(), size, HexFormat.of().formatHex(digest.digest()));
	}

	/**
	 * What was uploaded.
	 * @param name the file name sent by the client
	 * @param size the number of bytes
	 * @param sha256 the SHA-256 of the content, in hex
	 */
	record UploadResult(String name, long size, String sha256) {
	}

}
