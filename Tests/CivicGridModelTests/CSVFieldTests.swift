import CivicGridModel
import Testing

/// Public text in CSV exports: what Excel or WPS would run as a formula is shown as text.
struct CSVFieldTests {
    @Test(arguments: [
        ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("+1+cmd|' /C calc'!A0", "\"'+1+cmd|' /C calc'!A0\""),
        ("-2+3", "\"'-2+3\""),
        ("@SUM(A1)", "\"'@SUM(A1)\""),
        ("\tx", "\"'\tx\""),
        ("\rx", "\"'\rx\""),
        ("-12.5", "-12.5"),
        ("+86", "+86"),
        ("楼道堆物", "楼道堆物"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("", ""),
    ])
    func formulasAreNeutralised(input: String, expected: String) {
        #expect(CSVField.escape(input) == expected)
    }
}
