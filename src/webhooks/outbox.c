/* Signing and the checks of receiver addresses. */
#include "webhooks/webhooks.h"

#include "util/timeutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void webhooks_sign(const char *key, const char *body, size_t len, char *out)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
}

/* Loopback, private, link-local, unspecified, multicast and similar non-public addresses. */
bool webhooks_address_private(int family, const void *addr)
{
    if (family == AF_INET) {
        const unsigned char *b = addr;
        return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
               (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
               (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224;
    }
    if (family == AF_INET6) {
        const unsigned char *b = addr;
        static const unsigned char zero[16] = {0};
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
        if (!memcmp(b, zero, 15) && (b[15] == 0 || b[15] == 1))
            return true; /* :: and ::1 */
        /* IPv4 inside IPv6 (mapped, the old compatible form, NAT64) is judged as IPv4 */
        if (!memcmp(b, v4mapped, 12) || !memcmp(b, zero, 12) || !memcmp(b, nat64, 12))
            return webhooks_address_private(AF_INET, b + 12);
        return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff;
    }
    return true;
}

const char *webhooks_check_url(const char *url, bool allow_private)
{
    CURLU *u = curl_url();
    if (!u)
        return "could not be checked";
    const char *problem = NULL;
    char *scheme = NULL, *host = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        problem = "must be an http or https URL";
        goto out;
    }
    if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) {
        problem = "must be an http or https URL";
        goto out;
    }
    if (allow_private)
        goto out;
    char literal[64];
    size_t hl = strlen(host);
    while (hl > 1 && host[hl - 1] == '.') /* "localhost." is localhost */
        host[--hl] = '\0';
    if (host[0] == '[' && hl > 2 && hl - 2 < sizeof(literal)) { /* [v6] */
        memcpy(literal, host + 1, hl - 2);
        literal[hl - 2] = '\0';
    } else {
        snprintf(literal, sizeof(literal), "%s", host);
    }
    unsigned char addr[16];
    if ((inet_pton(AF_INET, literal, addr) == 1 && webhooks_address_private(AF_INET, addr)) ||
        (inet_pton(AF_INET6, literal, addr) == 1 && webhooks_address_private(AF_INET6, addr)) ||
        !strcasecmp(host, "localhost") || (hl > 10 && !strcasecmp(host + hl - 10, ".localhost")))
        problem = "must not point to a private, loopback or link-local address";
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return problem;
}
