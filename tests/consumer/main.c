/* Links libmodak through find_package(modak): validates the blueprint named on the command
 * line and prints the result JSON. Usage: consumer BLUEPRINT [SHARE_DIR] */
#include <stdio.h>
#include <string.h>

#include <modak.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  char options[4096] = "{}";
  if (argc > 2) snprintf(options, sizeof options, "{\"share_dir\": \"%s\"}", argv[2]);
  if (modak_abi_version() != MODAK_ABI_VERSION) return 3;
  modak_result* r = NULL;
  modak_status s = modak_validate(argv[1], options, &r);
  printf("modak %s: %s\n%s\n", modak_version(), modak_status_name(s), modak_result_json(r));
  modak_result_free(r);
  return s == MODAK_OK ? 0 : 1;
}
