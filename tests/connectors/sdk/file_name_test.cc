// SafeFileName on the names senders give: ordinary ones kept, path separators, controls, bidi
// overrides and Windows' refused characters and names neutralised, over-long names cut keeping
// their extension, and the fallback when nothing usable is left.
#include "connectors/sdk/file_name.h"

#include <gtest/gtest.h>

#include <string>

#include "base/utf8.h"

namespace omni::connectors {
namespace {

struct Case {
  std::string name;
  std::string given;
  std::string safe;
};

TEST(FileNameTest, MakesEachNameSafe) {
  const Case cases[] = {
      {"ordinary", "invoice 42.pdf", "invoice 42.pdf"},
      {"non-ASCII kept", "Счёт за март.pdf", "Счёт за март.pdf"},
      {"path traversal", "../../etc/passwd", "passwd"},
      {"windows path", "C:\\Users\\ann\\report.pdf", "report.pdf"},
      {"mixed separators", "a/b\\c.txt", "c.txt"},
      {"only a directory", "../", "attachment"},
      {"header injection", "a\r\nX-Evil: 1\r\n.txt", "a__X-Evil_ 1__.txt"},
      {"NUL and other controls", std::string("ev\0il\x1b[31m\x7f.txt", 15), "ev_il_[31m_.txt"},
      {"C1 control",
       "a\xC2\x85"
       "b.txt",
       "a_b.txt"},
      {"right-to-left override",
       "invoice\xE2\x80\xAE"
       "fdp.exe",
       "invoice_fdp.exe"},
      {"isolate and mark",
       "a\xE2\x81\xA6"
       "b\xE2\x80\x8F"
       "c.txt",
       "a_b_c.txt"},
      {"line separator",
       "a\xE2\x80\xA8"
       "b.txt",
       "a_b.txt"},
      {"windows refused characters", "what? <why>: \"a|b\"*.txt", "what_ _why__ _a_b__.txt"},
      {"hidden file", ".bashrc", "bashrc"},
      {"dots and spaces around", " .. report.pdf. . ", "report.pdf"},
      {"only dots", "..", "attachment"},
      {"empty", "", "attachment"},
      {"windows reserved name", "CON", "attachment"},
      {"windows reserved name with extension", "lpt1.txt", "attachment"},
      {"near reserved names are fine", "console.txt", "console.txt"},
      {"not UTF-8 repaired", "r\xE9sum\xE9.pdf", "r\xEF\xBF\xBDsum\xEF\xBF\xBD.pdf"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SafeFileName(c.given, "attachment"), c.safe) << c.name;
  }
}

TEST(FileNameTest, ALongNameIsCutKeepingItsExtension) {
  const std::string ascii = SafeFileName(std::string(5000, 'a') + ".pdf", "attachment");
  EXPECT_EQ(ascii, std::string(kMaxFileNameBytes - 4, 'a') + ".pdf");

  // Cut on a character boundary: 'ж' is two bytes, and 251 bytes is not a whole number of them.
  std::string cyrillic;
  for (int i = 0; i < 3000; ++i) cyrillic += "ж";
  const std::string cut = SafeFileName(cyrillic + ".docx", "attachment");
  EXPECT_LE(cut.size(), kMaxFileNameBytes);
  EXPECT_TRUE(IsUtf8(cut));
  EXPECT_TRUE(cut.ends_with("жж.docx")) << cut;

  // An "extension" too long to be one is not kept.
  const std::string no_extension = SafeFileName("a." + std::string(400, 'b'), "attachment");
  EXPECT_EQ(no_extension.size(), kMaxFileNameBytes);
  EXPECT_TRUE(no_extension.starts_with("a.bbb"));
}

}  // namespace
}  // namespace omni::connectors
