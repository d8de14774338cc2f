/*
 * contacts command line: `irisctl contacts clean|dedupe|merge|undo|refresh`
 * (issue 5, item 6).  argv[0] is "contacts", argv[1] the sub-command.
 * Returns a process exit status: 0 ok, 1 refused or failed, 2 usage.
 */
#ifndef IRIS_CONTACTS_CLI_H
#define IRIS_CONTACTS_CLI_H

int contacts_cli_main(int argc, char **argv);

#endif
