/*
 * contacts/names_data: first names with their usual gender, and nicknames.
 *
 * Built by the Iris authors for this module (see docs/contacts.md, "Name
 * list"): common given names of France, the United Kingdom, Ireland, the
 * United States, Australia, Germany, Spain and Italy, written down from
 * general knowledge, each marked only when it is used overwhelmingly for
 * one gender in those countries.  Names used for both (Dominique, Camille,
 * Claude, Andrea, Alex, Sasha ...) are listed as ambiguous so no civility
 * is ever guessed from them.  Licence: same as Iris (AGPL-3.0-or-later);
 * the list is facts, not copied from any database.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

static const char male_names[] =
	"aaron abel adam adrian adrien aidan alain alan albert alberto alejandro alexandre "
	"alexander alexis alfred alfredo ali alistair alonso alvaro amaury andre andreas andrew "
	"angelo anthony antoine anton antonio armand arnaud arthur aurelien axel baptiste "
	"barry bastien ben benedikt benjamin benoit bernard bernd bertrand blake bradley "
	"brandon brendan brian bruce bruno bryan cameron carl carlo carlos cedric charles "
	"charlie christian christoph christophe christopher clement colin connor conor corentin "
	"craig cyril cyrille damien daniel daniele danny dario david davide declan dennis derek "
	"didier diego dieter dimitri dominic donald douglas dylan edgar edouard eduardo edward "
	"emile emilio emmanuel enrico enzo eric erik ernest esteban ethan etienne eugene fabian "
	"fabien fabio fabrice federico felix fernando filippo florent florian francesco "
	"francis francisco franck francois frank franz fred frederic frederick gabriel gael "
	"gareth gary gaston gaetan gavin geoffrey georg george georges gerald gerard gerhard "
	"gilbert gilles giorgio giovanni giuseppe glenn gordon graham gregoire gregory guido "
	"guillaume gunther gustave guy hamish hans harold harrison harry harvey hector heinz "
	"helmut henri henry herbert herve hubert hugh hugo hugues ian ignacio isaac ivan jack "
	"jacob jacques jake james jamie jared jason javier jay jeff jeffrey jeremie jeremy "
	"jerome jesse jesus joachim joe joel johann johannes john jonathan jordan jorge jose "
	"joseph josh joshua juan julian julien jurgen justin karl keith kenneth kevin kieran "
	"klaus kurt kyle lachlan lance laurent leo leon leonard leonardo liam lionel loic "
	"lorenzo louis luc luca lucas lucien ludovic luigi luis lukas luke manuel marc marcel "
	"marco mario mark markus martin mathieu mathis matteo matthew matthias matthieu maurice "
	"max maxime maximilian michael michel miguel mitchell mohamed mohammed nathan nathaniel "
	"neil nicholas nicola nicolas niklas noah noel norbert oliver olivier oscar owen pablo "
	"paolo pascal patrick patrice paul pedro peter philip philipp philippe pierre pietro "
	"quentin rafael raphael raymond regis remi remy renaud rene riccardo richard robert "
	"roberto rodrigo roger roland romain ronald ross ruben rudolf russell ryan salvatore "
	"samuel sean sebastian sebastien serge sergio simon stefan stefano stephane stephen "
	"steve steven stuart sylvain thibault thierry thomas tim timothy tobias toby tom tommaso "
	"tony travis tristan ulrich valentin victor vincent vincenzo walter warren wayne werner "
	"wilhelm william wilson wolfgang xavier yann yannick yves zachary thibaut gauthier";

static const char female_names[] =
	"abigail ada adele adriana agathe agnes aimee alana alexandra alexia alice alicia alina "
	"alison amanda amber amelia amelie amy ana anastasia andrea_f angela angelina angelique "
	"anita ann anna annabelle anne annette annie antonia april ariane audrey aurelie aurora "
	"barbara beatrice beatriz bella bernadette beth bethany bianca brigitte brittany "
	"brooke caitlin camila carla carmen carol carole caroline carolyn cassandra catherine "
	"cecile celia celine chantal charlotte chelsea chiara chloe christelle christina "
	"christine cindy claire clara clarisse claudia clemence colette corinne cristina cynthia "
	"daisy daniela danielle daphne deborah delphine denise diana diane dolores donna "
	"dorothee dorothy eleanor elena eleonore elisa elisabeth elise eliza elizabeth ella "
	"ellen ellie eloise elsa emilie emily emma erica erika estelle esther eva eve evelyn "
	"fabienne fanny fatima federica felicity fiona florence francesca francine francoise "
	"gabriela gabrielle genevieve georgia georgina geraldine gertrud giulia gloria grace "
	"greta gwendoline hannah harriet heather heidi helen helena helene hollie holly "
	"ingrid irene isabel isabella isabelle jacqueline jade jane janet janine jasmine "
	"jeanne jennifer jenny jessica jill joan joanna josephine josiane joy judith julia "
	"julie juliette justine karen karin katharina katherine kathleen kathryn katie kayla "
	"kelly kimberly kirsten laetitia lara laura laure lauren laurence_f lea leah leila "
	"lena lily linda lisa livia lola lorraine louise lucia lucie lucy luisa lydia madeleine "
	"madeline madison magali maite manon margaret margaux margot maria marianne marie "
	"marina marine marion marisa marta martha martina martine mary maryse mathilde maureen "
	"megan melanie melissa mia michele_f michelle mireille molly monica monika monique "
	"muriel myriam nadia nadine nancy naomi natalia natalie natasha nathalie nicole "
	"nina noemie odette odile olga olivia ophelie paige pamela patricia paula pauline "
	"penelope petra philippa phoebe pierrette rachel rebecca regine renate rita roberta "
	"rosa rose rosie ruby ruth sabine sabrina samantha sandra sara sarah severine sharon "
	"sheila silvia simone sofia solange sonia sophia sophie stella stephanie susan "
	"susanne suzanne sylvia sylvie tahnee tahni tamara tanya teresa tess tessa thea "
	"therese tiffany tina ursula valentina valerie vanessa vera veronica veronique victoria "
	"violet virginie vivienne wendy yasmine yvette yvonne zoe elodie oceane ines anais emeline "
	"gaelle maelle melodie sandrine karine nadege ghislaine raymonde josette ginette huguette";

/* Used for both genders in the countries above: never a civility. */
static const char ambiguous_names[] =
	"alex andrea ashley camille charlie_a claude dominique eden frederique_a jean jordan_a "
	"kim leslie lou maxence_a morgan noa remy_a riley robin sacha sam sasha stephane_a "
	"taylor yannick_a";

struct name_entry {
	const char *name;
	size_t len;
	char g;
};

static struct name_entry *table;
static size_t table_n;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int entry_cmp(const void *a, const void *b)
{
	const struct name_entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Adds the words of list; a trailing "_x" marks a name that is listed in
 * the other lists too and is left to them (documentation only). */
static void add_list(const char *list, char g, size_t *cap)
{
	const char *p = list;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *s = p;
		while (*p && *p != ' ')
			p++;
		size_t len = (size_t)(p - s);
		if (len == 0)
			continue;
		const char *us = memchr(s, '_', len);
		if (us != NULL)
			len = (size_t)(us - s);
		cx_grow((void **)&table, cap, table_n + 1, sizeof(*table));
		table[table_n++] = (struct name_entry){s, len, g};
	}
}

/* Builds the sorted table once; an ambiguous listing wins over a gendered
 * one, and a name in both gender lists becomes ambiguous. */
static void build_table(void)
{
	size_t cap = 0;
	add_list(male_names, 'm', &cap);
	add_list(female_names, 'f', &cap);
	add_list(ambiguous_names, '?', &cap);
	qsort(table, table_n, sizeof(*table), entry_cmp);
	size_t o = 0;
	for (size_t i = 0; i < table_n; i++) {
		if (o > 0 && entry_cmp(&table[o - 1], &table[i]) == 0) {
			if (table[o - 1].g != table[i].g)
				table[o - 1].g = '?';
			continue;
		}
		table[o++] = table[i];
	}
	table_n = o;
}

char cx_name_gender(const char *folded)
{
	pthread_once(&table_once, build_table);
	struct name_entry key = {folded, strlen(folded), 0};
	struct name_entry *e = bsearch(&key, table, table_n, sizeof(*table), entry_cmp);
	return e ? e->g : 0;
}

/* Nickname -> formal name, folded; used only for matching, never to
 * rewrite what a person calls themself. */
static const char *const nicknames[][2] = {
	{"abby", "abigail"},    {"al", "albert"},       {"alex", "alexander"},
	{"andy", "andrew"},     {"bart", "bartholomew"}, {"becky", "rebecca"},
	{"ben", "benjamin"},    {"bernie", "bernard"},  {"beth", "elizabeth"},
	{"betty", "elizabeth"}, {"bill", "william"},    {"billy", "william"},
	{"bob", "robert"},      {"bobby", "robert"},    {"cathy", "catherine"},
	{"charlie", "charles"}, {"chris", "christopher"}, {"chuck", "charles"},
	{"dan", "daniel"},      {"danny", "daniel"},    {"dave", "david"},
	{"debbie", "deborah"},  {"dick", "richard"},    {"don", "donald"},
	{"ed", "edward"},       {"eddie", "edward"},    {"fred", "frederick"},
	{"gerry", "gerald"},    {"greg", "gregory"},    {"harry", "henry"},
	{"jack", "john"},       {"jake", "jacob"},      {"jamie", "james"},
	{"jim", "james"},       {"jimmy", "james"},     {"joe", "joseph"},
	{"johnny", "john"},     {"jon", "jonathan"},    {"josh", "joshua"},
	{"kate", "katherine"},  {"katie", "katherine"}, {"ken", "kenneth"},
	{"larry", "lawrence"},  {"liz", "elizabeth"},   {"maggie", "margaret"},
	{"matt", "matthew"},    {"meg", "margaret"},    {"mike", "michael"},
	{"nick", "nicholas"},   {"pat", "patrick"},     {"peggy", "margaret"},
	{"pete", "peter"},      {"phil", "philip"},     {"rob", "robert"},
	{"ron", "ronald"},      {"sam", "samuel"},      {"steve", "stephen"},
	{"sue", "susan"},       {"ted", "edward"},      {"tom", "thomas"},
	{"tommy", "thomas"},    {"tony", "anthony"},    {"will", "william"},
	{"jo", "joanna"},       {"manu", "emmanuel"},   {"seb", "sebastien"},
	{"nico", "nicolas"},    {"fred", "frederic"},   {"max", "maxime"},
	{"steven", "stephen"},  {"jenny", "jennifer"},  {"jess", "jessica"},
};

const char *cx_nickname_canon(const char *folded)
{
	for (size_t i = 0; i < sizeof(nicknames) / sizeof(nicknames[0]); i++)
		if (strcmp(nicknames[i][0], folded) == 0)
			return nicknames[i][1];
	return NULL;
}
