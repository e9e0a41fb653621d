// vramcalc: the command-line front end. Everything happens in run_app.
#include "app.hpp"

int main(int argc, char** argv) {
  return vramcalc::cli::run_app(argc, argv);
}
