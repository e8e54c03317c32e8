package dev.fastcgi.servlet.modes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.util.FileSystemUtils;

import dev.fastcgi.interop.support.ApacheProcess;
import dev.fastcgi.interop.support.Peers;
import dev.fastcgi.interop.support.RawHttpClient;
import dev.fastcgi.interop.support.RawHttpClient.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Apache mod_fcgid spawning the Spring MVC application itself (a Unix listen socket on fd 0) as an
 * {@code FcgidAuthorizer} protecting static files and as a responder, and stopping it when Apache stops. Apache's
 * children run as {@code www-data}, which cannot read the build's classpath under {@code /root}: the test copies the
 * classpath into its temp directory.
 */
class ApacheFcgidModesTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@TempDir
	Path directory;

	@Test
	void fcgidAuthorizerAndResponder() throws Exception {
		Peers.require(Peers.APACHE);
		org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Peers.APACHE_MODULES.resolve("mod_fcgid.so")),
				"mod_fcgid is not installed");
		Path runtime = Files.createDirectories(this.directory.resolve("fcgid"));
		Path script = writeScript();
		Path docroot = Files.createDirectories(this.directory.resolve("docroot"));
		Files.writeString(Files.createDirectories(docroot.resolve("protected")).resolve("secret.txt"), "the static secret\n");
		Files.copy(script, docroot.resolve("app.fcgi"));
		Path users = Files.writeString(this.directory.resolve("htpasswd"), user("alice") + user("bob"));
		Peers.makeAccessible(docroot.resolve("protected/secret.txt"));
		Peers.makeAccessible(users);
		Peers.makeAccessible(docroot.resolve("app.fcgi"));
		UserPrincipal wwwData = runtime.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("www-data");
		Files.setOwner(runtime, wwwData);
		Path stopped = runtime.resolve("stopped.txt");
		Path apacheDir = Files.createDirectories(this.directory.resolve("apache"));
		ApacheProcess apache = ApacheProcess.builder(apacheDir, null)
			.module("fcgid").module("auth_basic").module("authn_core").module("authn_file").module("authz_user")
			.config("LogFormat \"%>s %U user=%{USER}e\" modes")
			.config("CustomLog \"" + apacheDir + "/modes.log\" modes")
			.config("DocumentRoot \"" + docroot + "\"")
			.config("FcgidIPCDir \"" + runtime + "\"")
			.config("FcgidProcessTableFile \"" + runtime + "/shm\"")
			.config("FcgidMaxProcessesPerClass 1")
			.config("FcgidIOTimeout 60")
			.config("FcgidConnectTimeout 30")
			.config("FcgidInitialEnv MODES_STOPPED_FILE \"" + stopped + "\"")
			.config("FcgidInitialEnv MODES_CONTEXT_PATH /app.fcgi")
			.config("<Files \"app.fcgi\">\n  SetHandler fcgid-script\n  Options +ExecCGI\n</Files>")
			.config("<Directory \"" + docroot + "/protected\">\n  AuthType Basic\n  AuthName modes\n"
					+ "  AuthBasicProvider file\n  AuthUserFile \"" + users + "\"\n  FcgidAuthorizer \"" + script
					+ "\"\n  Require valid-user\n</Directory>")
			.start();
		try {
			HttpResponse allowed = RawHttpClient.request(apache.port(), "GET", "/protected/secret.txt",
					Map.of("Authorization", basic("alice")), null);
			assertThat(allowed.status()).as(apache.diagnostics()).isEqualTo(200);
			assertThat(allowed.bodyAsString()).isEqualTo("the static secret\n");
			HttpResponse denied = RawHttpClient.request(apache.port(), "GET", "/protected/secret.txt",
					Map.of("Authorization", basic("bob")), null);
			assertThat(denied.status()).isEqualTo(401);
			HttpResponse role = RawHttpClient.get(apache.port(), "/app.fcgi/role?r=1");
			assertThat(role.status()).as(apache.diagnostics()).isEqualTo(200);
			assertThat(role.bodyAsString()).isEqualTo("RESPONDER /app.fcgi/role /app.fcgi/role?r=1");
			List<ProcessHandle> apps = applicationProcesses(script);
			assertThat(apps).isNotEmpty();
			await().atMost(WAIT).untilAsserted(() -> assertThat(read(apacheDir.resolve("modes.log")))
				.contains("200 /protected/secret.txt user=alice")
				.contains("401 /protected/secret.txt user=-"));
			apache.signal("TERM");
			apache.awaitExit(WAIT);
			await().atMost(WAIT).until(() -> apps.stream().noneMatch(ProcessHandle::isAlive));
			assertThat(stopped).hasContent("stopped gracefully");
		}
		finally {
			apache.stop();
			applicationProcesses(script).forEach(ProcessHandle::destroyForcibly);
		}
	}

	/** A script running {@link ModesAppMain} with a copy of the test classpath www-data can read. */
	private Path writeScript() throws IOException {
		Path copy = Files.createDirectories(this.directory.resolve("classpath"));
		List<String> entries = new ArrayList<>();
		int i = 0;
		for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
			Path source = Path.of(entry);
			if (!Files.exists(source)) {
				continue;
			}
			Path target = copy.resolve((i++) + "-" + source.getFileName());
			if (Files.isDirectory(source)) {
				FileSystemUtils.copyRecursively(source, target);
			}
			else {
				Files.copy(source, target);
			}
			entries.add(target.toString());
		}
		try (Stream<Path> files = Files.walk(copy)) {
			files.forEach(Peers::makeAccessible);
		}
		List<String> command = new ArrayList<>(Peers.javaCommand(ModesAppMain.class));
		command.set(command.indexOf("-cp") + 1, String.join(":", entries));
		Path script = this.directory.resolve("app.fcgi");
		Files.writeString(script, "#!/bin/sh\nexec " + String.join(" ", command) + "\n");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
		return script;
	}

	private static List<ProcessHandle> applicationProcesses(Path script) {
		String marker = script.getParent().resolve("classpath").toString();
		return ProcessHandle.allProcesses()
			.filter((p) -> p.info().commandLine().map((line) -> line.contains(marker)).orElse(false))
			.toList();
	}

	private static String user(String name) {
		try {
			byte[] sha1 = java.security.MessageDigest.getInstance("SHA-1").digest("pw".getBytes(StandardCharsets.UTF_8));
			return name + ":{SHA}" + Base64.getEncoder().encodeToString(sha1) + "\n";
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String basic(String name) {
		return "Basic " + Base64.getEncoder().encodeToString((name + ":pw").getBytes(StandardCharsets.UTF_8));
	}

	private static String read(Path file) {
		try {
			return Files.exists(file) ? Files.readString(file) : "";
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
