/*
 * contacts-gen: N synthetic contacts with realistic duplicates and ground
 * truth, for bench/contacts/run.
 *
 *   contacts-gen N [seed] > book.csv
 *
 * Columns: id, entity (the truth: same entity = same person), first_name,
 * last_name, email, phone, company, job_title, city.  About one record in
 * five duplicates an earlier person, with one to three of: a typo in a
 * name, first and last swapped, a nickname, a personal instead of a work
 * e-mail (or the reverse), a domain typo, another phone format, upper-case
 * surname, missing e-mail / phone / company.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t pick(size_t n)
{
	return (size_t)(rnd() % n);
}

static const char *const firsts[] = {
	"william", "robert", "james", "john", "michael", "david", "richard", "thomas",
	"charles", "joseph", "daniel", "matthew", "anthony", "steven", "andrew", "joshua",
	"kenneth", "kevin", "brian", "george", "edward", "ronald", "timothy", "jason", "jeffrey",
	"ryan", "jacob", "gary", "nicholas", "eric", "jonathan", "stephen", "larry", "justin",
	"scott", "brandon", "benjamin", "samuel", "gregory", "frank", "patrick", "raymond",
	"jack", "dennis", "jerry", "tyler", "aaron", "jose", "adam", "henry", "nathan",
	"douglas", "peter", "kyle", "walter", "ethan", "jeremy", "harold", "keith", "christian",
	"roger", "noah", "gerald", "carl", "terry", "sean", "austin", "arthur", "lawrence",
	"jesse", "dylan", "bryan", "joe", "jordan", "billy", "bruce", "albert", "willie",
	"gabriel", "logan", "alan", "juan", "wayne", "roy", "ralph", "randy", "eugene", "vincent",
	"russell", "elijah", "louis", "bobby", "philip", "johnny", "mary", "patricia",
	"jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen",
	"nancy", "lisa", "betty", "margaret", "sandra", "ashley", "kimberly", "emily", "donna",
	"michelle", "dorothy", "carol", "amanda", "melissa", "deborah", "stephanie", "rebecca",
	"sharon", "laura", "cynthia", "kathleen", "amy", "shirley", "angela", "helen", "anna",
	"brenda", "pamela", "nicole", "emma", "samantha", "katherine", "christine", "debra",
	"rachel", "catherine", "carolyn", "janet", "ruth", "maria", "heather", "diane",
	"virginia", "julie", "joyce", "victoria", "olivia", "kelly", "christina", "lauren",
	"joan", "evelyn", "judith", "megan", "cheryl", "andrea", "hannah", "martha", "jacqueline",
	"frances", "gloria", "ann", "teresa", "kathryn", "sara", "janice", "jean", "alice",
	"madison", "doris", "abigail", "julia", "judy", "grace", "denise", "amber", "marilyn",
	"beverly", "danielle", "theresa", "sophia", "marie", "diana", "brittany", "natalie",
	"isabella", "charlotte", "rose", "alexis", "kayla", "pierre", "jean-pierre", "francois",
	"nathalie", "sylvie", "isabelle", "camille", "antoine", "julien", "mathieu", "helene",
};

static const char *const nick[][2] = {
	{"william", "bill"}, {"robert", "bob"},   {"james", "jim"},      {"michael", "mike"},
	{"richard", "dick"}, {"thomas", "tom"},  {"charles", "charlie"}, {"joseph", "joe"},
	{"daniel", "dan"},   {"matthew", "matt"}, {"anthony", "tony"},   {"steven", "steve"},
	{"andrew", "andy"},  {"kenneth", "ken"},  {"edward", "ed"},       {"nicholas", "nick"},
	{"elizabeth", "liz"}, {"katherine", "kate"}, {"jennifer", "jenny"}, {"samuel", "sam"},
	{"rebecca", "becky"}, {"margaret", "maggie"}, {"patrick", "pat"}, {"benjamin", "ben"},
};

static const char *const syl[] = {
	"bar", "ker", "lin", "dor", "van", "mel", "son", "ton", "ber", "gar", "ric", "hol",
	"man", "den", "ley", "wood", "field", "ford", "ham", "ster", "ville", "mont", "ard",
	"bel", "cor", "dal", "fen", "gil", "har", "jor", "kal", "lor", "mar", "nor", "pel",
	"quin", "ros", "sal", "tor", "ul", "ver", "wal", "yar", "zel", "bran", "chet", "dun",
	"mc", "row", "ash", "by", "croft", "well", "more", "stone", "worth", "ridge", "dale",
};

static const char *const titles[] = {"sales manager", "CEO", "software engineer", "cto",
				     "account executive", "head of marketing", "hr director",
				     "consultant", "project manager", "buyer", ""};
static const char *const cities[] = {"Paris", "Lyon", "Lille", "Nantes", "Bordeaux",
				     "Toulouse", "Marseille", "Rennes", "Nice", "Strasbourg"};
static const char *const freemail[] = {"gmail.com", "yahoo.fr", "hotmail.com", "orange.fr",
				       "outlook.com", "free.fr"};
static const char *const typo_dom[][2] = {{"gmail.com", "gmial.com"},
					  {"hotmail.com", "hotmial.com"},
					  {"yahoo.fr", "yahooo.fr"},
					  {"outlook.com", "outlok.com"}};

struct person {
	char first[32], last[48], company[48], domain[64], phone[16], title[40];
	const char *city;
	int personal; /* index into freemail of their personal box */
	int num;
};

static void make_word(char *out, size_t cap, int parts)
{
	out[0] = '\0';
	for (int i = 0; i < parts; i++) {
		size_t l = strlen(out);
		snprintf(out + l, cap - l, "%s", syl[pick(sizeof(syl) / sizeof(syl[0]))]);
	}
}

static void make_person(struct person *p, size_t ncompanies)
{
	snprintf(p->first, sizeof(p->first), "%s", firsts[pick(sizeof(firsts) / sizeof(firsts[0]))]);
	make_word(p->last, sizeof(p->last), 2 + (int)pick(2));
	/* companies come from a fixed pool so that colleagues share a domain */
	uint64_t save = rng_state;
	size_t ci = pick(ncompanies);
	rng_state = 0x9E3779B97F4A7C15ull * (ci + 1);
	make_word(p->company, sizeof(p->company), 2 + (int)pick(2));
	rng_state = save;
	snprintf(p->domain, sizeof(p->domain), "%s.%s", p->company,
		 pick(3) == 0 ? "fr" : "com");
	snprintf(p->phone, sizeof(p->phone), "0%d%08d", pick(2) ? 6 : 1 + (int)pick(5),
		 (int)pick(100000000));
	snprintf(p->title, sizeof(p->title), "%s", titles[pick(sizeof(titles) / sizeof(titles[0]))]);
	p->city = cities[pick(sizeof(cities) / sizeof(cities[0]))];
	p->personal = (int)pick(sizeof(freemail) / sizeof(freemail[0]));
	p->num = (int)pick(100);
}

static void typo(char *s)
{
	size_t n = strlen(s);
	if (n < 3)
		return;
	size_t i = 1 + pick(n - 2);
	switch (pick(4)) {
	case 0: /* substitution */
		s[i] = (char)('a' + pick(26));
		break;
	case 1: /* deletion */
		memmove(s + i, s + i + 1, n - i);
		break;
	case 2: /* transposition */
	{
		char t = s[i];
		s[i] = s[i - 1];
		s[i - 1] = t;
		break;
	}
	default: /* insertion, if room */
		if (n + 2 < 32) {
			memmove(s + i + 1, s + i, n - i + 1);
			s[i] = (char)('a' + pick(26));
		}
	}
}

static void csv(const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
}

static void upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 32);
}

/* Writes one record of person p, changed when dup is set. */
static void emit(size_t id, size_t entity, const struct person *p, int dup)
{
	char first[64], last[64], email[192], phone[32], company[64];
	snprintf(first, sizeof(first), "%s", p->first);
	snprintf(last, sizeof(last), "%s", p->last);
	snprintf(company, sizeof(company), "%s", p->company);
	int work = !(p->num % 3 == 0); /* a third of people give a personal address */
	const char *dom = work ? p->domain : freemail[p->personal];
	char dombuf[64];
	snprintf(dombuf, sizeof(dombuf), "%s", dom);
	int drop_email = 0, drop_phone = 0, drop_company = 0, phone_fmt = (int)pick(3);
	if (dup) {
		int changes = 1 + (int)pick(3);
		for (int k = 0; k < changes; k++) {
			switch (pick(10)) {
			case 0:
				typo(last);
				break;
			case 1:
				typo(first);
				break;
			case 2: {
				char t[64];
				snprintf(t, sizeof(t), "%s", first);
				snprintf(first, sizeof(first), "%s", last);
				snprintf(last, sizeof(last), "%s", t);
				break;
			}
			case 3:
				for (size_t i = 0; i < sizeof(nick) / sizeof(nick[0]); i++)
					if (strcmp(first, nick[i][0]) == 0)
						snprintf(first, sizeof(first), "%s", nick[i][1]);
				break;
			case 4: /* the other mailbox: personal <-> work */
				work = !work;
				snprintf(dombuf, sizeof(dombuf), "%s",
					 work ? p->domain : freemail[p->personal]);
				break;
			case 5:
				for (size_t i = 0; i < sizeof(typo_dom) / sizeof(typo_dom[0]); i++)
					if (strcmp(dombuf, typo_dom[i][0]) == 0)
						snprintf(dombuf, sizeof(dombuf), "%s", typo_dom[i][1]);
				break;
			case 6:
				drop_email = 1;
				break;
			case 7:
				drop_phone = 1;
				break;
			case 8:
				drop_company = 1;
				break;
			default:
				upcase(last);
			}
		}
	}
	if (work)
		snprintf(email, sizeof(email), "%c%s.%s@%s", p->first[0], "", p->last, dombuf);
	else
		snprintf(email, sizeof(email), "%s.%s%d@%s", p->first, p->last, p->num, dombuf);
	if (work && p->num % 2)
		snprintf(email, sizeof(email), "%s.%s@%s", p->first, p->last, dombuf);
	const char *d = p->phone;
	if (phone_fmt == 0)
		snprintf(phone, sizeof(phone), "%s", d);
	else if (phone_fmt == 1)
		snprintf(phone, sizeof(phone), "+33 %c %.2s %.2s %.2s %.2s", d[1], d + 2, d + 4,
			 d + 6, d + 8);
	else
		snprintf(phone, sizeof(phone), "%.2s.%.2s.%.2s.%.2s.%.2s", d, d + 2, d + 4, d + 6,
			 d + 8);
	printf("g%zu,%zu,", id, entity);
	csv(first);
	putchar(',');
	csv(last);
	putchar(',');
	csv(drop_email ? "" : email);
	putchar(',');
	csv(drop_phone ? "" : phone);
	putchar(',');
	csv(drop_company ? "" : company);
	putchar(',');
	csv(p->title);
	putchar(',');
	csv(p->city);
	putchar('\n');
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: contacts-gen N [seed]\n", stderr);
		return 2;
	}
	size_t n = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		rng_state ^= strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ull;
	size_t npeople = n * 4 / 5 + 1;
	size_t ncompanies = npeople / 20 + 1;
	struct person *people = calloc(npeople, sizeof(*people));
	if (people == NULL)
		return 1;
	puts("id,entity,first_name,last_name,email,phone,company,job_title,city");
	size_t made = 0;
	for (size_t i = 0; i < n; i++) {
		if (made == 0 || pick(5) != 0 || made >= npeople) {
			if (made < npeople) {
				make_person(&people[made], ncompanies);
				emit(i, made, &people[made], 0);
				made++;
				continue;
			}
		}
		size_t e = pick(made);
		emit(i, e, &people[e], 1);
	}
	free(people);
	return 0;
}
