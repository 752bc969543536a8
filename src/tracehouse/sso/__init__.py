"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, ID tokens
checked against the issuer's keys, people created on first login."""
