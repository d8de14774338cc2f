/* iris-contacts: the contacts command line on its own (same as irisctl contacts). */
#include "contacts/contacts_cli.h"

int main(int argc, char **argv)
{
	argv[0] = "contacts";
	return contacts_cli_main(argc, argv);
}
