package io.mediapipeline.icloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionCookiesTest {

    @TempDir
    Path dir;

    @Test
    void trustCookieDecidesTheSessionEnd() throws Exception {
        assertThat(SessionCookies.expiry(dir)).isNull();
        Files.writeString(dir.resolve("annaexamplecom"), """
                #LWP-Cookies-2.0
                Set-Cookie3: X-APPLE-WEBAUTH-USER="v=1:s=0"; path="/"; domain=".icloud.com"; path_spec; expires="2027-03-01 10:00:00Z"; version=0
                Set-Cookie3: X-APPLE-WEBAUTH-HSA-TRUST="abc"; path="/"; domain=".icloud.com"; path_spec; expires="2027-01-26 08:30:00Z"; version=0
                Set-Cookie3: other="x"; path="/"; domain=".apple.com"; expires="2030-01-01 00:00:00Z"; version=0
                """);
        Files.writeString(dir.resolve("annaexamplecom.session"), "{\"session_token\": \"t\"}");
        assertThat(SessionCookies.expiry(dir)).isEqualTo(Instant.parse("2027-01-26T08:30:00Z"));
        Files.writeString(dir.resolve("annaexamplecom"), """
                Set-Cookie3: X-APPLE-WEBAUTH-USER="v=1:s=0"; path="/"; expires="2027-03-01 10:00:00Z"; version=0
                Set-Cookie3: X-APPLE-WEBAUTH-TOKEN="v=2"; path="/"; expires="2027-02-01 10:00:00Z"; version=0
                """);
        assertThat(SessionCookies.expiry(dir)).isEqualTo(Instant.parse("2027-03-01T10:00:00Z"));
        assertThat(SessionCookies.lastChange(dir)).isNotNull();
    }
}
