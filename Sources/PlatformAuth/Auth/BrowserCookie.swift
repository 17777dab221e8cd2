/// The cookies of a browser's session, named once: Identity sets them, the web front reads the
/// console's. See Identity's `BrowserSession` for what each holds and why.
public enum BrowserCookie {
    /// The refresh token: HttpOnly, sent only to the auth routes.
    public static let refresh = "bazaar_refresh"
    /// The CSRF token a page's script echoes in `X-CSRF-Token`: readable by scripts on purpose.
    public static let csrf = "bazaar_csrf"
    /// An admin's current access token, HttpOnly and sent only to `/admin`, so the server can
    /// refuse the admin console's page itself to anyone else.
    public static let console = "bazaar_console"
}
