/*
 * contacts/phone_shim: the one C++ file of the module, an extern "C" shim
 * over libphonenumber (Debian libphonenumber-dev) giving E.164 and type.
 */
#include <cstdlib>
#include <cstring>
#include <string>

#include <phonenumbers/phonenumberutil.h>

extern "C" int cx_phone_e164(const char *number, const char *region, char *out, size_t cap,
			     const char **type_r);

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

static const char *type_name(PhoneNumberUtil::PhoneNumberType t)
{
	switch (t) {
	case PhoneNumberUtil::FIXED_LINE:
		return "fixed";
	case PhoneNumberUtil::MOBILE:
		return "mobile";
	case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
		return "fixed_or_mobile";
	case PhoneNumberUtil::TOLL_FREE:
		return "toll_free";
	case PhoneNumberUtil::PREMIUM_RATE:
		return "premium_rate";
	case PhoneNumberUtil::VOIP:
		return "voip";
	default:
		return "other";
	}
}

/* Fast path for the common shapes ("+33 6 12 34 56 78", "06.12.34.56.78",
 * "0033612345678"): digits and separators only.  Builds the number from
 * the metadata's country code and national (trunk) prefix instead of the
 * regex-heavy Parse; validity and type still come from libphonenumber.
 * Returns false when the input needs the full parser. */
static bool fast_number(const PhoneNumberUtil *u, const char *s, const std::string &reg,
			PhoneNumber *pn)
{
	char d[32];
	size_t n = 0;
	bool plus = false;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n >= sizeof(d) - 1)
				return false;
			d[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus) {
			plus = true;
		} else if (!std::strchr(" .-()/", *p)) {
			return false;
		}
	}
	d[n] = '\0';
	const char *nat = d;
	int cc = 0;
	if (!plus && n > 2 && d[0] == '0' && d[1] == '0') {
		plus = true;
		nat = d + 2;
	}
	if (plus) {
		for (int len = 1; len <= 3 && cc == 0; len++) {
			if ((size_t)len >= std::strlen(nat))
				return false;
			int c = std::atoi(std::string(nat, (size_t)len).c_str());
			std::string region;
			u->GetRegionCodeForCountryCode(c, &region);
			if (region != "ZZ" || c == 800 || c == 979) {
				cc = c;
				nat += len;
			}
		}
		if (cc == 0)
			return false;
	} else {
		cc = u->GetCountryCodeForRegion(reg);
		if (cc == 0)
			return false;
		std::string ndd;
		u->GetNddPrefixForRegion(reg, true, &ndd);
		if (!ndd.empty() && std::strncmp(nat, ndd.c_str(), ndd.size()) == 0)
			nat += ndd.size();
		else if (!ndd.empty())
			return false; /* no trunk prefix: let the full parser decide */
	}
	size_t nl = std::strlen(nat);
	if (nl < 4 || nl > 15 || nat[0] == '0')
		return false;
	pn->set_country_code(cc);
	pn->set_national_number(std::strtoull(nat, nullptr, 10));
	return true;
}

/* Parses number with region (ISO alpha-2) as the default country; writes
 * "+33612345678" into out.  Returns -1 for anything that is not a valid
 * number or does not fit; never throws across the C boundary. */
extern "C" int cx_phone_e164(const char *number, const char *region, char *out, size_t cap,
			     const char **type_r)
{
	try {
		if (number == nullptr || std::strlen(number) > 64)
			return -1;
		const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
		PhoneNumber pn;
		std::string reg = region ? region : "ZZ";
		if (!fast_number(u, number, reg, &pn) &&
		    u->Parse(number, reg, &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
			return -1;
		PhoneNumberUtil::PhoneNumberType t = u->GetNumberType(pn);
		if (t == PhoneNumberUtil::UNKNOWN)
			return -1;
		std::string s;
		u->Format(pn, PhoneNumberUtil::E164, &s);
		if (s.size() + 1 > cap)
			return -1;
		std::memcpy(out, s.c_str(), s.size() + 1);
		if (type_r)
			*type_r = type_name(t);
		return 0;
	} catch (...) {
		return -1;
	}
}
