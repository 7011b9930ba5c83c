package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.json;
import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The examples of the Lambda Developer Guide's filtering pages and EventBridge's pattern pages. */
class AwsDocExamplesTest {

    /** Lambda's table of comparison operators, each with an event it matches and one it does not. */
    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"UserID":[null]}                                        | {"UserID":null}                          | true
            {"UserID":[null]}                                        | {"UserID":"u1"}                          | false
            {"LastName":[""]}                                        | {"LastName":""}                          | true
            {"LastName":[""]}                                        | {"LastName":"Doe"}                       | false
            {"Name":["Alice"]}                                       | {"Name":"Alice"}                         | true
            {"Name":["Alice"]}                                       | {"Name":"alice"}                         | false
            {"Name":[{"equals-ignore-case":"alice"}]}                | {"Name":"Alice"}                         | true
            {"Name":[{"equals-ignore-case":"alice"}]}                | {"Name":"Bob"}                           | false
            {"Location":["New York"],"Day":["Monday"]}               | {"Location":"New York","Day":"Monday"}   | true
            {"Location":["New York"],"Day":["Monday"]}               | {"Location":"New York","Day":"Sunday"}   | false
            {"PaymentType":["Credit","Debit"]}                       | {"PaymentType":"Debit"}                  | true
            {"PaymentType":["Credit","Debit"]}                       | {"PaymentType":"Cash"}                   | false
            {"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}    | {"Location":"Paris","Day":"Monday"}      | true
            {"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}    | {"Location":"Paris","Day":"Sunday"}      | false
            {"Weather":[{"anything-but":["Raining"]}]}               | {"Weather":"Sunny"}                      | true
            {"Weather":[{"anything-but":["Raining"]}]}               | {"Weather":"Raining"}                    | false
            {"Price":[{"numeric":["=",100]}]}                        | {"Price":100}                            | true
            {"Price":[{"numeric":["=",100]}]}                        | {"Price":99.99}                          | false
            {"Price":[{"numeric":[">",10,"<=",20]}]}                 | {"Price":20}                             | true
            {"Price":[{"numeric":[">",10,"<=",20]}]}                 | {"Price":10}                             | false
            {"ProductName":[{"exists":true}]}                        | {"ProductName":"Widget"}                 | true
            {"ProductName":[{"exists":true}]}                        | {"Product":"Widget"}                     | false
            {"ProductName":[{"exists":false}]}                       | {"Product":"Widget"}                     | true
            {"ProductName":[{"exists":false}]}                       | {"ProductName":"Widget"}                 | false
            {"Region":[{"prefix":"us-"}]}                            | {"Region":"us-west-2"}                   | true
            {"Region":[{"prefix":"us-"}]}                            | {"Region":"eu-west-1"}                   | false
            {"FileName":[{"suffix":".png"}]}                         | {"FileName":"photo.png"}                 | true
            {"FileName":[{"suffix":".png"}]}                         | {"FileName":"photo.jpg"}                 | false
            {"Metadata":[1,2]}                                       | {"Metadata":2}                           | true
            {"Metadata":[1,2]}                                       | {"Metadata":3}                           | false
            """)
    void lambdaOperatorTable(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }

    @Test
    void existsDoesNotMatchAnIntermediateNode() {
        String person = """
                {"person":{"name":"John Doe","age":30,
                           "address":{"street":"123 Main St","city":"Anytown","country":"USA"}}}""";
        assertThat(matches("{\"person\":{\"address\":[{\"exists\":true}]}}", person)).isFalse();
        assertThat(matches("{\"person\":{\"address\":{\"city\":[{\"exists\":true}]}}}", person)).isTrue();
    }

    @Test
    void sqsBody() {
        FilterCriteria requestCode = FilterCriteria.of(List.of("{ \"body\" : { \"RequestCode\" : [ \"BBBB\" ] } }"));
        FilterCriteria recordNumber =
                FilterCriteria.of(List.of("{ \"body\" : { \"RecordNumber\" : [ { \"numeric\": [ \">\", 9999 ] } ] } }"));
        var aaaa = FilterDocuments.sqsBody(
                "{\n \"RecordNumber\": 1234,\n \"TimeStamp\": \"yyyy-mm-ddThh:mm:ss\",\n \"RequestCode\": \"AAAA\"\n}");
        var bbbb = FilterDocuments.sqsBody("{\"RecordNumber\": 10000, \"RequestCode\": \"BBBB\"}");
        assertThat(requestCode.matches(aaaa)).isFalse();
        assertThat(requestCode.matches(bbbb)).isTrue();
        assertThat(recordNumber.matches(aaaa)).isFalse();
        assertThat(recordNumber.matches(bbbb)).isTrue();
    }

    @Test
    void kinesisData() {
        FilterCriteria buy = FilterCriteria.of(List.of("{ \"data\" : { \"order\" : { \"type\" : [ \"buy\" ] } } }"));
        String record = "{\"record\": 12345, \"order\": {\"type\": \"buy\", \"stock\": \"ANYCO\", \"quantity\": 1000}}";
        assertThat(buy.matches(FilterDocuments.kinesisData(record.getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(buy.matches(FilterDocuments.kinesisData(record.replace("buy", "sell")
                .getBytes(StandardCharsets.UTF_8)))).isFalse();
    }

    private static final String DDB_RECORD = """
            {"ApproximateCreationDateTime":"1678831218.0",
             "Keys":{"CustomerName":{"S":"AnyCompany Industries"}},
             "NewImage":{"AccountManager":{"S":"Pat Candella"},"PaymentTerms":{"S":"60 days"},
                         "CustomerName":{"S":"AnyCompany Industries"},
                         "Organizations":{"L":[{"S":"Sales"},{"S":"Marketing"},{"S":"Support"}]}},
             "OldImage":{"AccountManager":{"S":"Terry Whitlock"}},
             "SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"}""";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            { "dynamodb" : { "Keys" : { "CustomerName" : { "S" : [ "AnyCompany Industries" ] } } } }                      | true
            { "dynamodb" : { "Keys" : { "CustomerName" : { "S" : [ "Other Company" ] } } } }                              | false
            { "dynamodb" : { "NewImage" : { "AccountManager" : { "S" : [ "Pat Candella", "Shirley Rodriguez" ] } } } }    | true
            { "dynamodb" : { "NewImage" : { "AccountManager" : { "S" : [ "Shirley Rodriguez" ] } } } }                    | false
            { "dynamodb" : { "NewImage" : { "Organizations" : [ { "exists": true } ] } } }                                | false
            { "dynamodb" : { "NewImage" : {"Organizations": {"L": {"S": [ {"exists": true } ] } } } } }                   | true
            """)
    void dynamodb(String pattern, boolean expected) {
        var document = FilterDocuments.dynamodb(json(DDB_RECORD));
        assertThat(FilterCriteria.of(List.of(pattern)).matches(document)).isEqualTo(expected);
    }

    /**
     * The Developer Guide's "Boolean AND" DynamoDB example repeats the key "dynamodb". Duplicate keys follow the
     * EventBridge rule, the last one wins, so only the OldImage condition is checked.
     */
    @Test
    void dynamodbDuplicateKeyExampleKeepsOnlyTheLastKey() {
        FilterCriteria criteria = FilterCriteria.of(List.of("""
                { "dynamodb" : { "NewImage" : { "AccountManager" : { "S" : [ "Pat Candella" ] } } } ,
                  "dynamodb" : { "OldImage" : { "AccountManager" : { "S" : [ "Terry Whitlock" ] } } } }"""));
        assertThat(criteria.matches(FilterDocuments.dynamodb(DDB_RECORD))).isTrue();
        assertThat(criteria.matches(FilterDocuments.dynamodb(DDB_RECORD.replace("Pat Candella", "Someone"))))
                .isTrue();
        assertThat(criteria.matches(FilterDocuments.dynamodb(DDB_RECORD.replace("Terry Whitlock", "Someone"))))
                .isFalse();
    }

    @Test
    void kafkaValue() {
        FilterCriteria deviceId = FilterCriteria.of(List.of("{ \"value\" : { \"device_ID\" : [ { \"prefix\": \"AB\" } ] } }"));
        String json = "{\"device_ID\": \"AB1234\", \"session\": {\"start_time\": \"yyyy-mm-ddThh:mm:ss\", \"duration\": 162}}";
        assertThat(deviceId.matches(FilterDocuments.kafkaValue(json.getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(deviceId.matches(FilterDocuments.kafkaValue(json.replace("AB", "CD")
                .getBytes(StandardCharsets.UTF_8)))).isFalse();

        FilterCriteria notError = FilterCriteria.of(List.of("{ \"value\" : [ { \"anything-but\": [ \"error\" ] } ] }"));
        assertThat(notError.matches(FilterDocuments.kafkaValue("error".getBytes(StandardCharsets.UTF_8)))).isFalse();
        assertThat(notError.matches(FilterDocuments.kafkaValue("Hello, this is a test."
                .getBytes(StandardCharsets.UTF_8)))).isTrue();
    }

    @Test
    void eventBridgeComplexExample() {
        String pattern = """
                {"time":[{"prefix":"2017-10-02"}],
                 "detail":{"state":[{"anything-but":"initializing"}],
                           "c-count":[{"numeric":[">",0,"<=",5]}],
                           "d-count":[{"numeric":["<",10]}],
                           "x-limit":[{"anything-but":[100,200,300]}],
                           "source-ip":[{"cidr":"10.0.0.0/8"}]}}""";
        String event = """
                {"time":"2017-10-02T16:24:49Z",
                 "detail":{"c-count":5,"d-count":3,"x-limit":301.8,"source-ip":"10.0.0.33","state":"running"}}""";
        assertThat(matches(pattern, event)).isTrue();
        assertThat(matches(pattern, event.replace("running", "initializing"))).isFalse();
        assertThat(matches(pattern, event.replace("\"c-count\":5", "\"c-count\":6"))).isFalse();
        assertThat(matches(pattern, event.replace("10.0.0.33", "11.0.0.33"))).isFalse();
    }

    /** EventBridge: "if you include a key more than once the last reference will be the one used". */
    @Test
    void eventBridgeDuplicateKeyExample() {
        String pattern = "{\"detail\":{\"location\":[{\"prefix\":\"us-\"}],\"location\":[{\"anything-but\":\"us-east\"}]}}";
        assertThat(matches(pattern, "{\"detail\":{\"location\":\"eu-west\"}}")).isTrue();
        assertThat(matches(pattern, "{\"detail\":{\"location\":\"us-east\"}}")).isFalse();
    }
}
