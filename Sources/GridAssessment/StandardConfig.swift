import CivicGridModel

extension AssessmentConfig {
    /// The default (Data/assessment.json says the same; a test keeps them equal).
    public static let standard = AssessmentConfig(
        minimumSample: 20,
        grades: [Grade(grade: "A", minimum: 90), Grade(grade: "B", minimum: 75), Grade(grade: "C", minimum: 60), Grade(grade: "D", minimum: 40)],
        deductions: Deductions(overdueCase: 0.1, failedCheck: 0.05, threeFailedChecks: 1),
        weights: [
            "department": ["volume": 10, "closing_rate": 30, "on_time_handling_rate": 30, "rework_rate": 30, "satisfaction_rate": 10, "reopen_rate": 5],
            "district": ["closing_rate": 25, "on_time_closing_rate": 25, "timely_dispatch_rate": 20, "rework_rate": 15, "accurate_filing_rate": 15,
                         "satisfaction_rate": 10, "reopen_rate": 5],
            "street": ["closing_rate": 25, "on_time_closing_rate": 25, "timely_dispatch_rate": 20, "rework_rate": 15, "accurate_filing_rate": 15,
                         "satisfaction_rate": 10, "reopen_rate": 5],
            "community": ["closing_rate": 25, "on_time_closing_rate": 25, "timely_dispatch_rate": 20, "rework_rate": 15, "accurate_filing_rate": 15,
                         "satisfaction_rate": 10, "reopen_rate": 5],
            "grid": ["valid_report_rate": 20, "timely_verification_rate": 25, "timely_check_rate": 25, "missed_report_rate": 15, "closing_rate": 15],
            "person": ["valid_report_rate": 30, "timely_verification_rate": 25, "timely_check_rate": 25, "timely_filing_rate": 10, "timely_dispatch_rate": 10],
        ])
}
