/*
 * contacts/phone_shim: the one C++ file of the module, an extern "C" shim
 * over libphonenumber (Debian libphonenumber-dev) giving E.164 and type.
 */
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
		if (u->Parse(number, reg, &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
			return -1;
		if (!u->IsValidNumber(pn))
			return -1;
		std::string s;
		u->Format(pn, PhoneNumberUtil::E164, &s);
		if (s.size() + 1 > cap)
			return -1;
		std::memcpy(out, s.c_str(), s.size() + 1);
		if (type_r)
			*type_r = type_name(u->GetNumberType(pn));
		return 0;
	} catch (...) {
		return -1;
	}
}
