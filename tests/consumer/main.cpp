// The same from C++: the header is usable from both languages.
#include <modak.h>

#include <iostream>
#include <memory>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  modak_result* raw = nullptr;
  modak_status s = modak_optimise(argv[1], nullptr, &raw);
  std::unique_ptr<modak_result, decltype(&modak_result_free)> r(raw, &modak_result_free);
  std::cout << modak_status_name(s) << "\n" << modak_result_json(r.get()) << "\n";
  return s == MODAK_OK ? 0 : 1;
}
