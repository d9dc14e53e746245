package io.mediapipeline.icloud.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** icloudpd's LWP jar is read as Python writes it, sent back verbatim, and written so Python can read it again. */
class CookieJarTest {

    private static final String JAR = """
            #LWP-Cookies-2.0
            Set-Cookie3: X-APPLE-WEBAUTH-TOKEN="\\"v=2:t=AQEBAAAAAG\\""; path="/"; domain=".icloud.com"; path_spec; domain_dot; secure; expires="2099-01-01 10:00:00Z"; HttpOnly=None; version=0
            Set-Cookie3: X-APPLE-WEBAUTH-USER="\\"v=1:s=0:d=123\\""; path="/"; domain=".icloud.com"; path_spec; domain_dot; secure; expires="2000-01-01 10:00:00Z"; HttpOnly=None; version=0
            Set-Cookie3: aasp=ABC123; path="/"; domain=".idmsa.apple.com"; path_spec; domain_dot; secure; discard; HttpOnly=None; version=0
            """;

    private static final URI SETUP = URI.create("https://setup.icloud.com/setup/ws/1/accountLogin");

    @TempDir
    Path tmp;

    @Test
    void readsPythonsFormatAndSendsOnlyLiveIcloudCookies() throws Exception {
        Path file = Files.writeString(tmp.resolve("anna"), JAR);
        CookieJar jar = CookieJar.read(file);
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(jar.header(SETUP, now)).isEqualTo("X-APPLE-WEBAUTH-TOKEN=\"v=2:t=AQEBAAAAAG\"");
        assertThat(jar.has(CookieJar.WEBAUTH_TOKEN, SETUP, now)).isTrue();
        assertThat(jar.toString()).doesNotContain("AQEBAAAAAG");

        jar.write(file);
        assertThat(Files.readString(file)).contains("Set-Cookie3: X-APPLE-WEBAUTH-TOKEN=\"\\\"v=2:t=AQEBAAAAAG\\\"\"; path=\"/\"")
                .contains("aasp=ABC123; path=\"/\"");
        assertThat(CookieJar.read(file).header(SETUP, now)).isEqualTo(jar.header(SETUP, now));
    }

    @Test
    void setCookieReplacesAndExpiresCookies() throws Exception {
        CookieJar jar = CookieJar.read(Files.writeString(tmp.resolve("anna"), JAR));
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(jar.absorb(List.of("X-APPLE-WEBAUTH-TOKEN=\"v=2:t=NEW\"; Domain=.icloud.com; Path=/; "
                + "Expires=Fri, 01 Jan 2100 00:00:00 GMT; Secure; HttpOnly"), "setup.icloud.com", now)).isTrue();
        assertThat(jar.header(SETUP, now)).isEqualTo("X-APPLE-WEBAUTH-TOKEN=\"v=2:t=NEW\"");
        assertThat(jar.absorb(List.of("X-APPLE-WEBAUTH-TOKEN=\"v=2:t=NEW\"; Domain=.icloud.com; Path=/; "
                + "Expires=Fri, 01 Jan 2100 00:00:00 GMT; Secure; HttpOnly"), "setup.icloud.com", now)).as("unchanged").isFalse();
        assertThat(jar.absorb(List.of("X-APPLE-WEBAUTH-TOKEN=; Domain=.icloud.com; Path=/; Max-Age=0"),
                "setup.icloud.com", now)).isTrue();
        assertThat(jar.has(CookieJar.WEBAUTH_TOKEN, SETUP, now)).isFalse();
    }

    @Test
    void cookiesGoOnlyToTheirOwnDomainAndSecureOnesOnlyOverHttpsOrLoopback() throws Exception {
        CookieJar jar = CookieJar.read(Files.writeString(tmp.resolve("anna"), JAR));
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(jar.header(URI.create("https://p42-ckdatabasews.icloud.com/database/1"), now)).contains("AQEBAAAAAG");
        for (String foreign : List.of("https://icloud.com.evil.example/", "https://evilicloud.com/", "https://127.0.0.1/",
                "https://example.com/setup/ws/1")) {
            assertThat(jar.header(URI.create(foreign), now)).as(foreign).isEmpty();
            assertThat(jar.has(CookieJar.WEBAUTH_TOKEN, URI.create(foreign), now)).as(foreign).isFalse();
        }
        assertThat(jar.header(URI.create("http://setup.icloud.com/setup/ws/1"), now)).as("secure over http").isEmpty();
        assertThat(jar.header(URI.create("https://idmsa.apple.com/appleauth"), now)).isEqualTo("aasp=ABC123");

        // a host can only set cookies for itself: a foreign host cannot plant one for icloud.com
        assertThat(jar.absorb(List.of("X-APPLE-WEBAUTH-TOKEN=\"v=2:t=PLANTED\"; Domain=.icloud.com; Path=/"),
                "upload.example.com", now)).isFalse();
        assertThat(jar.header(SETUP, now)).doesNotContain("PLANTED");

        // the fixture's host-only cookie on loopback: sent there over http, Secure or not, and nowhere else
        assertThat(jar.absorb(List.of("LOCAL=\"v\"; Path=/; Secure; HttpOnly"), "127.0.0.1", now)).isTrue();
        assertThat(jar.header(URI.create("http://127.0.0.1:8080/setup/ws/1/accountLogin"), now)).isEqualTo("LOCAL=\"v\"");
        assertThat(jar.header(URI.create("http://127.0.0.2:8080/"), now)).isEmpty();
        assertThat(jar.header(SETUP, now)).doesNotContain("LOCAL");
    }
}
