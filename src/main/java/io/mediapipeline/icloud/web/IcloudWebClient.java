package io.mediapipeline.icloud.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mediapipeline.icloud.web.IcloudWebException.Kind;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs an account in to iCloud's web services with its (copied) icloudpd session: accountLogin with the session
 * and trust tokens and the web auth cookies gives the dsid and the web service URLs. Refuses, before any upload,
 * an account with Advanced Data Protection or without the photosupload / CloudKit services.
 */
public final class IcloudWebClient implements PhotosWebLogin {

    /** What icloud.com's own web app sends as its build; the services expect a plausible one. */
    static final String CLIENT_BUILD_NUMBER = "2522Project44";
    static final String CLIENT_MASTERING_NUMBER = "2522B2";

    /** The one explanation of an Advanced Data Protection refusal, for every place that reports it. */
    public static final String ADP_MESSAGE = "this Apple ID has Advanced Data Protection on, and "
            + "iCloud's web upload cannot work with it: nothing was uploaded. Either keep Advanced Data Protection and "
            + "leave the upload to iCloud off for this account, or turn Advanced Data Protection off on the iPhone "
            + "(Settings > [your name] > iCloud > Advanced Data Protection) with 'Access iCloud Data on the Web' on, "
            + "then sign in again";

    private final String setupUrl;
    private final Duration requestTimeout;
    private final ObjectMapper json = new ObjectMapper();

    public IcloudWebClient(URI setupUrl, Duration requestTimeout) {
        String s = setupUrl.toString();
        this.setupUrl = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public PhotosWeb signIn(Path sessionDir, String username) throws IcloudWebException, IOException {
        SessionState state = SessionState.load(sessionDir, username, json);
        SessionFile session = state.session();
        if (session.sessionToken().isEmpty() || !state.hasWebAuthCookie(URI.create(setupUrl))) {
            throw new IcloudWebException(Kind.AUTH_EXPIRED, 0, "accountLogin: no usable iCloud session in " + sessionDir
                    + " (session token or " + CookieJar.WEBAUTH_TOKEN + " cookie missing or expired): sign in again");
        }
        if (session.ensureClientId()) {
            state.saveSession();
        }
        String clientId = session.clientId();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("clientBuildNumber", CLIENT_BUILD_NUMBER);
        params.put("clientMasteringNumber", CLIENT_MASTERING_NUMBER);
        params.put("clientId", clientId);
        WebTransport transport = new WebTransport(requestTimeout, json, state);
        ObjectNode body = json.createObjectNode().put("accountCountryCode", session.accountCountry())
                .put("dsWebAuthToken", session.sessionToken()).put("extended_login", true)
                .put("trustToken", session.trustToken());
        // a refused session comes back as AUTH_EXPIRED from the transport; any other refusal stays what it is, so
        // a bad answer from setup does not ask the household for a new 2FA code
        JsonNode answer = transport.post("accountLogin", WebTransport.uri(setupUrl, "/accountLogin", params), body);
        if (!state.hasWebAuthCookie(URI.create(setupUrl))) {
            throw new IcloudWebException(Kind.AUTH_EXPIRED, 200, "accountLogin: no " + CookieJar.WEBAUTH_TOKEN
                    + " cookie after sign-in: sign in again");
        }
        if (!answer.path("dsInfo").path("isWebAccessAllowed").asBoolean(true)) {
            throw new IcloudWebException(Kind.UNAVAILABLE, 200, "accountLogin: 'Access iCloud Data on the Web' is off for "
                    + "this Apple ID, so its web services answer nothing: turn it on (iPhone Settings > [your name] > "
                    + "iCloud) to use the upload to iCloud");
        }
        JsonNode services = answer.path("webservices");
        String dsid = answer.path("dsInfo").path("dsid").asText("");
        if (dsid.isEmpty()) {
            throw new IcloudWebException(Kind.UNAVAILABLE, 200, "accountLogin: iCloud did not give the account id (dsid)");
        }
        params.put("dsid", dsid);
        if (pcsRequired(services) && advancedDataProtection(transport, params)) {
            throw new IcloudWebException(Kind.ADP_REQUIRED, 200, ADP_MESSAGE);
        }
        String upload = services.path("photosupload").path("url").asText("");
        String database = services.path("ckdatabasews").path("url").asText("");
        if (upload.isEmpty() || database.isEmpty()) {
            throw new IcloudWebException(Kind.UNAVAILABLE, 200, "accountLogin: iCloud did not offer "
                    + (upload.isEmpty() ? "the photosupload web service" : "the CloudKit database web service (ckdatabasews)")
                    + " to this account");
        }
        // an account with Advanced Data Protection never gets this far, so a session's services never need PCS
        return new PhotosWebSession(transport, new PhotosWeb.Services(dsid, trim(upload), trim(database), false), params, json);
    }

    private static boolean pcsRequired(JsonNode services) {
        return services.path("ckdatabasews").path("pcsRequired").asBoolean(false)
                || services.path("photos").path("pcsRequired").asBoolean(false);
    }

    /**
     * Whether the account has Advanced Data Protection. Captured accountLogin answers say pcsRequired for accounts
     * without it too, so the web app's own question (requestWebAccessState: isICDRSDisabled) decides; when that
     * question gets no usable answer, pcsRequired alone does, and the account is refused rather than guessed at.
     */
    private boolean advancedDataProtection(WebTransport transport, Map<String, String> params) throws IcloudWebException {
        try {
            JsonNode state = transport.post("requestWebAccessState",
                    WebTransport.uri(setupUrl, "/requestWebAccessState", params), json.createObjectNode());
            JsonNode adp = state.path("isICDRSDisabled");
            return !adp.isBoolean() || adp.asBoolean();
        } catch (IcloudWebException e) {
            if (e.kind() == Kind.REJECTED) {
                return true;
            }
            throw e;
        }
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String toString() {
        return "IcloudWebClient[" + setupUrl + "]";
    }
}
