/*
 * contacts/email_lists: free-mail providers, disposable-address services,
 * role local parts and the well-known domains used for typo correction.
 * Compiled by the Iris authors from the providers' own public pages; kept
 * short on purpose (the big providers cover most real typos).
 */
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

/* Personal free-mail providers (and ISP mailboxes used privately). */
static const char *const free_domains[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "yahoo.co.uk", "ymail.com",
	"hotmail.com", "hotmail.fr", "hotmail.co.uk", "outlook.com", "outlook.fr", "live.com",
	"live.fr", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net",
	"gmx.com", "web.de", "t-online.de", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr",
	"laposte.net", "neuf.fr", "bbox.fr", "numericable.fr", "protonmail.com", "proton.me",
	"mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "libero.it", "virgilio.it",
	"bigpond.com", "optusnet.com.au", "comcast.net", "verizon.net", "btinternet.com",
	"sky.com", "tutanota.com", "fastmail.com", "hey.com", "qq.com", "163.com", NULL,
};

/* Disposable / throw-away address services. */
static const char *const disposable_domains[] = {
	"mailinator.com", "yopmail.com", "yopmail.fr", "guerrillamail.com", "guerrillamail.net",
	"10minutemail.com", "temp-mail.org", "tempmail.com", "trashmail.com", "trashmail.de",
	"jetable.org", "maildrop.cc", "getnada.com", "dispostable.com", "sharklasers.com",
	"throwawaymail.com", "fakeinbox.com", "mailnesia.com", "spamgourmet.com", "mintemail.com",
	"mohmal.com", "emailondeck.com", "tempr.email", "discard.email", "mailcatch.com", NULL,
};

/* Generic role local parts: a function, not a person. */
static const char *const role_locals[] = {
	"info", "contact", "contacts", "hello", "hi", "sales", "admin", "administrator",
	"support", "help", "office", "accounts", "accounting", "billing", "invoice", "invoices",
	"noreply", "no-reply", "donotreply", "webmaster", "postmaster", "hostmaster", "abuse",
	"hr", "jobs", "careers", "recrutement", "marketing", "team", "service", "services",
	"enquiries", "enquiry", "inquiries", "bonjour", "commercial", "compta", "comptabilite",
	"direction", "secretariat", "accueil", "rh", "devis", "press", "presse", "media", "news",
	"newsletter", "security", "privacy", "dpo", "legal", "orders", "shop", "store", "mail",
	"reception", "booking", "reservation", "reservations", "customerservice", "feedback",
	NULL,
};

const char *const cx_known_domains[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr",
	"outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "aol.com", "icloud.com",
	"gmx.de", "gmx.net", "web.de", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr",
	"laposte.net", "protonmail.com", "mail.com", "yandex.com", "libero.it", "comcast.net",
	"btinternet.com", "me.com", "mac.com", "ymail.com", "bigpond.com", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

bool cx_domain_is_free(const char *d)
{
	return in_list(free_domains, d);
}

bool cx_domain_is_disposable(const char *d)
{
	return in_list(disposable_domains, d);
}

/* A role address: the local part (before any +tag) names a function. */
bool cx_local_is_role(const char *local)
{
	char buf[64];
	size_t n = strcspn(local, "+");
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, local, n);
	buf[n] = '\0';
	return in_list(role_locals, buf);
}
