// A deliberately tiny test harness (no third-party test framework is available).
//
//   TEST_CASE(name) { CHECK(cond); CHECK_EQ(a, b); CHECK_ACL(call); CHECK_ACL_ERROR(call, code); }
//
// A failed check throws, ending the current case; the runner reports it and
// goes on with the next. Checks belong on the test's own thread: other
// threads record outcomes for the test thread to check after joining them.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "acl/acl_rt.h"

namespace sim_test {

struct TestFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TestCase {
  const char* name;
  void (*body)();
};

std::vector<TestCase>& registeredTests();

struct Registration {
  Registration(const char* name, void (*body)()) { registeredTests().push_back({name, body}); }
};

[[noreturn]] inline void failCheck(const char* file, int line, const std::string& message) {
  std::ostringstream text;
  text << file << ":" << line << ": " << message;
  throw TestFailure(text.str());
}

template <class A, class B>
void checkEqual(const A& actual, const B& expected, const char* actual_text, const char* expected_text,
                const char* file, int line) {
  if (!(actual == expected)) {
    std::ostringstream text;
    text << "CHECK_EQ(" << actual_text << ", " << expected_text << "): " << actual << " != " << expected;
    failCheck(file, line, text.str());
  }
}

inline void checkAcl(aclError actual, aclError expected, const char* call, const char* file, int line) {
  if (actual != expected) {
    std::ostringstream text;
    text << call << " returned " << actual << ", expected " << expected << " (recent error: \"" << aclGetRecentErrMsg()
         << "\")";
    failCheck(file, line, text.str());
  }
}

}  // namespace sim_test

#define TEST_CASE(name)                                                          \
  static void name();                                                            \
  static const ::sim_test::Registration name##_registration(#name, &name);       \
  static void name()

#define CHECK(condition) \
  ((condition) ? (void)0 : ::sim_test::failCheck(__FILE__, __LINE__, "CHECK(" #condition ") failed"))

#define CHECK_EQ(actual, expected) \
  ::sim_test::checkEqual((actual), (expected), #actual, #expected, __FILE__, __LINE__)

#define CHECK_ACL(call) ::sim_test::checkAcl((call), ACL_SUCCESS, #call, __FILE__, __LINE__)

#define CHECK_ACL_ERROR(call, code) ::sim_test::checkAcl((call), (code), #call, __FILE__, __LINE__)
