// Tests for core/params: validation of YAML blocks against a parameter spec,
// with diagnostics that name file:line:column and are collected in one pass.
#include "core/params.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;

const char kFile[] = "scenario.yaml";

ComponentSpec TestSpec() {
  return {"a test block",
          {IntParam("n_items", 100, "number of items", 1, 1000), DoubleParam("rate", 0.5, "a probability", 0, 1),
           BoolParam("verbose", false, "print progress"), StringParam("mode", "fast", "search mode", {"fast", "exact"}),
           StringParam("name", "anon", "free text"), IntParam("offset", -3, "unbounded integer")}};
}

// Validates `yaml` (the whole document is the block) and returns the diagnostics.
std::vector<Diagnostic> Validate(const std::string& yaml, const ComponentSpec& spec, Params* out = nullptr,
                                 const std::set<std::string>& reserved = {}) {
  DiagnosticList diags;
  Params p = ValidateBlock(YAML::Load(yaml), spec, kFile, "catalog", diags, reserved);
  if (out) *out = p;
  return diags.items();
}

TEST(ParamsValidateTest, EmptyBlockGetsAllDefaults) {
  for (const std::string yaml : {"{}", ""}) {
    Params p;
    EXPECT_TRUE(Validate(yaml, TestSpec(), &p).empty()) << "'" << yaml << "'";
    EXPECT_EQ(p.Int("n_items"), 100);
    EXPECT_EQ(p.Double("rate"), 0.5);
    EXPECT_FALSE(p.Bool("verbose"));
    EXPECT_EQ(p.String("mode"), "fast");
    EXPECT_EQ(p.String("name"), "anon");
    EXPECT_EQ(p.Int("offset"), -3);
    EXPECT_FALSE(p.WasSet("n_items"));
    EXPECT_EQ(p.values().size(), TestSpec().params.size());
  }
}

TEST(ParamsValidateTest, ValuesAreParsedAndLocated) {
  Params p;
  const auto diags = Validate(
      "n_items: 7\n"
      "rate: 1\n"  // an integer literal is a valid number
      "verbose: yes\n"
      "mode: exact\n"
      "name: hello world\n"
      "offset: -12\n",
      TestSpec(), &p);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(p.Int("n_items"), 7);
  EXPECT_EQ(p.Double("rate"), 1.0);
  EXPECT_TRUE(p.Bool("verbose"));
  EXPECT_EQ(p.String("mode"), "exact");
  EXPECT_EQ(p.String("name"), "hello world");
  EXPECT_EQ(p.Int("offset"), -12);
  EXPECT_TRUE(p.WasSet("rate"));
  // the location of a set value is the value's own position, 1-based
  const SourceLocation loc = p.Where("mode");
  EXPECT_EQ(loc.file, kFile);
  EXPECT_EQ(loc.line, 4);
  EXPECT_EQ(loc.column, 7);
  EXPECT_EQ(p.Where("n_items").line, 1);
  EXPECT_EQ(p.Where("n_items").column, 10);
}

TEST(ParamsValidateTest, BooleanSpellings) {
  for (const auto& [text, value] : std::vector<std::pair<std::string, bool>>{
           {"true", true}, {"True", true}, {"yes", true}, {"false", false}, {"False", false}, {"no", false}}) {
    Params p;
    EXPECT_TRUE(Validate("verbose: " + text, TestSpec(), &p).empty()) << text;
    EXPECT_EQ(p.Bool("verbose"), value) << text;
  }
}

TEST(ParamsValidateTest, UnknownKeyNamesLineColumnAndValidKeys) {
  // a nested block: the key sits on line 3, column 3
  const YAML::Node root = YAML::Load(
      "catalog:\n"
      "  n_items: 5\n"
      "  colour: red\n");
  DiagnosticList diags;
  Params p = ValidateBlock(root["catalog"], TestSpec(), kFile, "catalog", diags);
  ASSERT_EQ(diags.size(), 1u);
  const Diagnostic& d = diags.items()[0];
  EXPECT_EQ(d.file, kFile);
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 3);
  EXPECT_TRUE(Contains(d.message, "unknown key 'colour'")) << d.message;
  EXPECT_TRUE(Contains(d.message, "valid keys: n_items, rate, verbose, mode, name, offset")) << d.message;
  EXPECT_EQ(d.Format().rfind("scenario.yaml:3:3: error: catalog: unknown key", 0), 0u) << d.Format();
  EXPECT_EQ(p.Int("n_items"), 5);  // the good key is still applied
}

TEST(ParamsValidateTest, WrongTypesAreReportedAtTheValue) {
  struct Case {
    std::string yaml;
    int column;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"n_items: many", 10, "expected an integer, got 'many'"},
      {"n_items: 1.5", 10, "expected an integer, got '1.5'"},
      {"n_items: 0x10", 10, "expected an integer"},
      {"rate: fast", 7, "expected a finite number, got 'fast'"},
      {"rate: nan", 7, "expected a finite number"},
      {"rate: {a: 1}", 7, "expected a number, got a map"},
      {"rate: [1, 2]", 7, "expected a number, got a list"},
      {"n_items:", 0, "got a null value"},
      {"verbose: maybe", 10, "expected true or false, got 'maybe'"},
      {"name: {first: a}", 7, "expected a string, got a map"},
      {"name: arm\xff", 7, "byte 0xff at byte 4 is not UTF-8; save the file as UTF-8"},
  };
  for (const auto& c : cases) {
    Params p;
    const auto diags = Validate(c.yaml, TestSpec(), &p);
    ASSERT_EQ(diags.size(), 1u) << c.yaml;
    EXPECT_EQ(diags[0].line, 1) << c.yaml;
    if (c.column > 0) {
      EXPECT_EQ(diags[0].column, c.column) << c.yaml;
    }
    EXPECT_TRUE(Contains(diags[0].message, c.expect)) << c.yaml << " -> " << diags[0].message;
    // the key is named as block.key
    EXPECT_TRUE(Contains(diags[0].message, "catalog." + c.yaml.substr(0, c.yaml.find(':')))) << diags[0].message;
    // a bad value leaves the default in place
    EXPECT_EQ(p.Int("n_items"), 100);
    EXPECT_EQ(p.Double("rate"), 0.5);
  }
}

TEST(ParamsValidateTest, OutOfRangeShowsTheBounds) {
  struct Case {
    std::string yaml, expect;
  };
  ComponentSpec spec = TestSpec();
  spec.params.push_back(IntParam("at_least_two", 2, "lower bound only", 2));
  spec.params.push_back(DoubleParam("at_most_half", 0.1, "upper bound only", -1e300, 0.5));
  const std::vector<Case> cases = {
      {"n_items: 0", "catalog.n_items: value 0 is out of range [1, 1000]"},
      {"n_items: 1001", "value 1001 is out of range [1, 1000]"},
      {"rate: 1.5", "value 1.5 is out of range [0, 1]"},
      {"rate: -0.01", "value -0.01 is out of range [0, 1]"},
      {"at_least_two: 1", "value 1 is out of range [2, inf]"},
      {"at_most_half: 0.75", "value 0.75 is out of range [-inf, 0.5]"},
  };
  for (const auto& c : cases) {
    Params p;
    const auto diags = Validate(c.yaml, spec, &p);
    ASSERT_EQ(diags.size(), 1u) << c.yaml;
    EXPECT_TRUE(Contains(diags[0].message, c.expect)) << c.yaml << " -> " << diags[0].message;
    EXPECT_EQ(diags[0].line, 1);
    EXPECT_EQ(diags[0].column, static_cast<int>(c.yaml.find(':')) + 3);
  }
  // the bounds themselves are inside the range
  EXPECT_TRUE(Validate("n_items: 1\nrate: 0\nat_least_two: 2\nat_most_half: 0.5", spec).empty());
  EXPECT_TRUE(Validate("n_items: 1000\nrate: 1", spec).empty());
}

TEST(ParamsValidateTest, InvalidChoiceListsTheChoices) {
  Params p;
  const auto diags = Validate("\nmode: medium\n", TestSpec(), &p);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 2);
  EXPECT_EQ(diags[0].column, 7);
  EXPECT_TRUE(Contains(diags[0].message, "'medium' is not a valid choice; valid choices: fast, exact"))
      << diags[0].message;
  EXPECT_EQ(p.String("mode"), "fast");
}

TEST(ParamsValidateTest, MissingRequiredKey) {
  ComponentSpec spec = TestSpec();
  spec.params.push_back(RequiredString("path", "the input file"));
  {
    const auto diags = Validate("  n_items: 5\n", spec);
    ASSERT_EQ(diags.size(), 1u);
    EXPECT_TRUE(Contains(diags[0].message, "missing required key 'path' (the input file)")) << diags[0].message;
    EXPECT_EQ(diags[0].file, kFile);
    EXPECT_EQ(diags[0].line, 1);  // the block's own position
    EXPECT_EQ(diags[0].column, 3);
  }
  {  // an absent block misses it too
    const auto diags = Validate("", spec);
    ASSERT_EQ(diags.size(), 1u);
    EXPECT_TRUE(Contains(diags[0].message, "missing required key 'path'"));
  }
  {  // present: no diagnostic
    Params p;
    EXPECT_TRUE(Validate("path: data/x.npy", spec, &p).empty());
    EXPECT_EQ(p.String("path"), "data/x.npy");
  }
}

TEST(ParamsValidateTest, DuplicateKeyIsReportedAtTheSecondOccurrence) {
  Params p;
  const auto diags = Validate("n_items: 5\nrate: 0.1\nn_items: 6\n", TestSpec(), &p);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 3);
  EXPECT_EQ(diags[0].column, 1);
  EXPECT_TRUE(Contains(diags[0].message, "duplicate key 'n_items'")) << diags[0].message;
  EXPECT_EQ(p.Int("n_items"), 5);  // the first occurrence wins
}

TEST(ParamsValidateTest, AllErrorsAreCollectedInOnePass) {
  ComponentSpec spec = TestSpec();
  spec.params.push_back(RequiredString("path", "the input file"));
  Params p;
  const auto diags = Validate(
      "n_items: many\n"  // 1: wrong type
      "rate: 2\n"        // 2: out of range
      "mode: medium\n"   // 3: bad choice
      "bogus: 1\n"       // 4: unknown key
      "verbose: 3\n"     // 5: wrong type
      "rate: 0.3\n"      // 6: duplicate
      "offset: 4\n",     // fine; 'path' is missing
      spec, &p);
  // six problems in the entries, in file order, then the missing key
  ASSERT_EQ(diags.size(), 7u);
  const std::vector<int> lines = {1, 2, 3, 4, 5, 6};
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(diags[i].line, lines[i]) << diags[i].message;
  EXPECT_TRUE(Contains(diags[0].message, "expected an integer"));
  EXPECT_TRUE(Contains(diags[1].message, "out of range"));
  EXPECT_TRUE(Contains(diags[2].message, "not a valid choice"));
  EXPECT_TRUE(Contains(diags[3].message, "unknown key 'bogus'"));
  EXPECT_TRUE(Contains(diags[4].message, "expected true or false"));
  EXPECT_TRUE(Contains(diags[5].message, "duplicate key 'rate'"));
  EXPECT_TRUE(Contains(diags[6].message, "missing required key 'path'")) << diags[6].message;
  EXPECT_EQ(p.Int("offset"), 4);
  EXPECT_EQ(p.Double("rate"), 0.5);  // default kept

  // thrown together, every diagnostic is in the message
  DiagnosticList list;
  for (const auto& d : diags) list.Add(d);
  try {
    list.ThrowIfAny();
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().size(), diags.size());
    EXPECT_TRUE(Contains(e.what(), "scenario.yaml:1:10: error: catalog.n_items")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "scenario.yaml:4:1: error: catalog: unknown key 'bogus'")) << e.what();
  }
}

TEST(ParamsValidateTest, ReservedKeysAreSkippedButListed) {
  Params p;
  EXPECT_TRUE(Validate("type: synthetic\nn_items: 9\n", TestSpec(), &p, {"type"}).empty());
  EXPECT_EQ(p.Int("n_items"), 9);
  EXPECT_EQ(p.values().count("type"), 0u);
  // without the reservation, 'type' is an unknown key
  EXPECT_EQ(Validate("type: synthetic\n", TestSpec()).size(), 1u);
  // the valid-key list includes the reserved names
  const auto diags = Validate("typo: 1\n", TestSpec(), nullptr, {"type"});
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_TRUE(Contains(diags[0].message, "valid keys: type, n_items")) << diags[0].message;
}

TEST(ParamsValidateTest, NonMapBlockIsAnError) {
  const auto diags = Validate("- a\n- b\n", TestSpec());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_TRUE(Contains(diags[0].message, "expected a map of settings"));
  EXPECT_EQ(diags[0].line, 1);
}

TEST(ParamsValidateTest, NodesWithoutMarksAreAttributedToSet) {
  // a node built in code (as from --set) has no position
  YAML::Node node;
  node["n_items"] = "abc";
  DiagnosticList diags;
  ValidateBlock(node, TestSpec(), kFile, "catalog", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].file, "scenario.yaml (--set)");
  EXPECT_EQ(diags.items()[0].line, 0);
}

// what a document's size or depth says depends on why it is too big
TEST(ParamsYamlTest, SizeAndDepthLimitsNameTheirCause) {
  // a large document without aliases is not called an alias expansion
  std::string many = "a: [";
  for (int64_t i = 0; i < kMaxYamlNodes; ++i) many += "0,";
  many += "0]";
  std::string why = CatchInputError([&] { ParseYamlMap(many, kFile, "a scenario"); }).what();
  EXPECT_TRUE(Contains(why, "has more than 1000000 keys and values")) << why;
  EXPECT_FALSE(Contains(why, "alias")) << why;
  // nine levels of ten aliases each: 10^9 nodes once expanded, from a few lines
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += prev + (k < 9 ? ", " : "]\n");
  }
  why = CatchInputError([&] { ParseYamlMap(bomb, kFile, "a scenario"); }).what();
  EXPECT_TRUE(Contains(why, "expands to more than 1000000 nodes through its aliases")) << why;
  // nesting past the parser's limit is named as such, at the line where it happens (not "bad file")
  why = CatchInputError([&] { ParseYamlMap("name: x\nfoo: " + std::string(3000, '['), kFile, "a scenario"); }).what();
  EXPECT_TRUE(Contains(why, "scenario.yaml:")) << why;
  EXPECT_TRUE(Contains(why, "nests lists or maps deeper than the parser allows")) << why;
  EXPECT_FALSE(Contains(why, "bad file")) << why;
}

TEST(ParamsTest, DefaultsAccessorsAndToString) {
  const Params p = Params::Defaults(TestSpec());
  EXPECT_EQ(p.Int("n_items"), 100);
  EXPECT_EQ(p.Double("n_items"), 100.0);  // integers widen to double
  EXPECT_THROW(p.Int("no_such_param"), std::logic_error);
  EXPECT_THROW(p.Int("rate"), std::bad_variant_access);
  EXPECT_EQ(p.Where("rate").line, 0);
  EXPECT_EQ(ParamValueToString(ParamValue(int64_t{-4})), "-4");
  // the shortest text that round-trips
  EXPECT_EQ(ParamValueToString(ParamValue(0.1)), "0.1");
  EXPECT_EQ(ParamValueToString(ParamValue(0.3)), "0.3");
  EXPECT_EQ(ParamValueToString(ParamValue(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(std::stod(ParamValueToString(ParamValue(1e-300 / 3))), 1e-300 / 3);
  EXPECT_EQ(ParamValueToString(ParamValue(true)), "true");
  EXPECT_EQ(ParamValueToString(ParamValue(std::string("x"))), "x");
  EXPECT_STREQ(ParamTypeName(ParamType::kInt), "integer");
  EXPECT_STREQ(ParamTypeName(ParamType::kString), "string");
}

TEST(ParamsTest, DiagnosticFormatAndDeduplication) {
  EXPECT_EQ((Diagnostic{"f.yaml", 3, 7, "bad"}).Format(), "f.yaml:3:7: error: bad");
  EXPECT_EQ((Diagnostic{"f.yaml", 3, 0, "bad"}).Format(), "f.yaml:3: error: bad");
  EXPECT_EQ((Diagnostic{"f.yaml", 0, 5, "bad"}).Format(), "f.yaml: error: bad");
  EXPECT_EQ((Diagnostic{"", 0, 0, "bad"}).Format(), "<input>: error: bad");
  DiagnosticList list;
  EXPECT_NO_THROW(list.ThrowIfAny());
  list.Add("f", 1, 1, "m");
  list.Add("f", 1, 1, "m");  // identical: dropped
  list.Add("f", 1, 2, "m");
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(JoinNames({"a", "b", "c"}), "a, b, c");
  EXPECT_EQ(JoinNames({}), "");
}

}  // namespace
}  // namespace counterpoint
