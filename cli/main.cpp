// vramcalc: the command-line front end. Everything happens in run_app.
#include "app.hpp"
#include "working_memory.hpp"

int main(int argc, char** argv) {
  vramcalc::cli::populate_working_memory();
  return vramcalc::cli::run_app(argc, argv);
}
